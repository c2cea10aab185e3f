#pragma once
// iCalendar files (RFC 5545) for "add to calendar" links: one VCALENDAR of VEVENTs, written with CRLF
// line ends, TEXT values escaped and every line folded at 75 octets without cutting a UTF-8 sequence.
// The one writer of such files: premieres use it, so will screening windows.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace festival::server {

struct calendar_event {
    std::string uid;          // globally unique and stable: "premiere-12@festival.example"
    std::int64_t stamp = 0;   // DTSTAMP: when the file was made (unix seconds)
    std::int64_t starts = 0;  // DTSTART, unix seconds, written in UTC
    std::int64_t ends = 0;    // DTEND, unix seconds, written in UTC
    std::string summary;      // TEXT
    std::string description;  // TEXT; left out when empty
    std::string url;          // URI of the event's page; left out when empty
};

// The whole file, ready to send as text/calendar.
std::string calendar_file(const std::vector<calendar_event>& events);

// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, line breaks as "\n"; other
// control characters, which TEXT may not hold, dropped.
std::string calendar_text(std::string_view value);
// One content line folded (§3.1): at most 75 octets a line, continuations begin with a space, a UTF-8
// sequence never split; every line ends with CRLF.
std::string folded_line(std::string_view line);
// "20261201T190000Z"
std::string calendar_utc(std::int64_t unix_seconds);

}  // namespace festival::server
