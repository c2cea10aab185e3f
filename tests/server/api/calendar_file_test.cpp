// The iCalendar writer alone: TEXT escaping, folding at 75 octets without cutting UTF-8, UTC times.
#include <doctest/doctest.h>

#include <string>

#include "server/api/calendar_file.hpp"

using namespace festival::server;

namespace {

// What a reader does first (RFC 5545 §3.1): a CRLF followed by a space is no line break.
std::string unfolded(std::string text) {
    for (std::size_t at; (at = text.find("\r\n ")) != std::string::npos;) text.erase(at, 3);
    return text;
}

bool starts_utf8_sequence(unsigned char c) { return (c & 0xC0) != 0x80; }

}  // namespace

TEST_CASE("calendar TEXT escapes backslash, semicolon, comma and line breaks, and drops other controls") {
    CHECK(calendar_text("a\\b;c,d") == "a\\\\b\\;c\\,d");
    CHECK(calendar_text("one\ntwo\r\nthree\rfour") == "one\\ntwo\\nthree\\nfour");
    CHECK(calendar_text(std::string("bell\x07 tab\t del\x7F nul") + '\0' + "!") == "bell tab\t del nul!");
    CHECK(calendar_text("Séance: « Été »") == "Séance: « Été »");
    CHECK(calendar_utc(0) == "19700101T000000Z");
    CHECK(calendar_utc(1796151600) == "20261201T190000Z");
}

TEST_CASE("calendar lines fold at 75 octets, never inside a UTF-8 sequence, and unfold to what was written") {
    std::string title;
    for (int i = 0; i < 200; ++i) title += (i % 3 == 0 ? "é" : i % 3 == 1 ? "a" : "€");  // 1, 2 and 3 octets
    const auto line = "SUMMARY:" + title;
    const auto folded = folded_line(line);
    CHECK(folded.ends_with("\r\n"));
    CHECK(unfolded(folded) == line + "\r\n");
    std::size_t lines = 0;
    for (std::size_t at = 0, end; (end = folded.find("\r\n", at)) != std::string::npos; at = end + 2, ++lines) {
        CHECK(end - at <= 75);
        if (at > 0) {
            REQUIRE(folded[at] == ' ');
            CHECK(starts_utf8_sequence(static_cast<unsigned char>(folded[at + 1])));
        }
    }
    CHECK(lines > line.size() / 75);
    CHECK(folded_line("SHORT:x") == "SHORT:x\r\n");
    CHECK(folded_line(std::string(75, 'x')) == std::string(75, 'x') + "\r\n");
    CHECK(folded_line(std::string(76, 'x')) == std::string(75, 'x') + "\r\n x\r\n");
    // Bytes that are no UTF-8 at all still fold and lose nothing.
    const std::string junk(200, '\x80');
    CHECK(unfolded(folded_line(junk)) == junk + "\r\n");
}

TEST_CASE("a calendar file holds one VEVENT per event with the fields given") {
    calendar_event e;
    e.uid = "premiere-7@festival.example";
    e.stamp = 1796000000;
    e.starts = 1796151600;
    e.ends = 1796151600 + 7200;
    e.summary = "Film";
    e.url = "https://festival.example/premiere.html?id=7";
    const auto text = calendar_file({e, e});
    CHECK(text ==
          "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Festival//Festival calendar//EN\r\nCALSCALE:GREGORIAN\r\n"
          "METHOD:PUBLISH\r\n"
          "BEGIN:VEVENT\r\nUID:premiere-7@festival.example\r\nDTSTAMP:20261130T005320Z\r\nDTSTART:20261201T190000Z\r\n"
          "DTEND:20261201T210000Z\r\nSUMMARY:Film\r\nURL:https://festival.example/premiere.html?id=7\r\nEND:VEVENT\r\n"
          "BEGIN:VEVENT\r\nUID:premiere-7@festival.example\r\nDTSTAMP:20261130T005320Z\r\nDTSTART:20261201T190000Z\r\n"
          "DTEND:20261201T210000Z\r\nSUMMARY:Film\r\nURL:https://festival.example/premiere.html?id=7\r\nEND:VEVENT\r\n"
          "END:VCALENDAR\r\n");
}
