#include "server/api/calendar_file.hpp"

#include "catalog/clock.hpp"

namespace festival::server {
namespace {

constexpr std::size_t max_line_octets = 75;

bool continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string calendar_text(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 8);
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        switch (c) {
            case '\\': out += "\\\\"; break;
            case ';': out += "\\;"; break;
            case ',': out += "\\,"; break;
            case '\n': out += "\\n"; break;
            case '\r':
                if (i + 1 < value.size() && value[i + 1] == '\n') break;  // CRLF is one break
                out += "\\n";
                break;
            default:
                if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) break;
                out += c;
        }
    }
    return out;
}

std::string folded_line(std::string_view line) {
    std::string out;
    out.reserve(line.size() + line.size() / 70 * 3 + 2);
    std::size_t room = max_line_octets;  // the first line has 75 octets, the next 74 after their space
    while (line.size() > room) {
        std::size_t cut = room;
        while (cut > 0 && continuation_byte(line[cut])) --cut;  // never inside a UTF-8 sequence
        if (cut == 0) cut = room;  // no sequence start in reach: not UTF-8, cut where it must be
        out.append(line.substr(0, cut));
        out += "\r\n ";
        line.remove_prefix(cut);
        room = max_line_octets - 1;
    }
    out.append(line);
    out += "\r\n";
    return out;
}

std::string calendar_utc(std::int64_t unix_seconds) {
    // The catalog's one UTC writer ("2026-12-01T19:00:00Z") in iCalendar's basic form.
    std::string text = catalog::format_utc(unix_seconds);
    std::erase_if(text, [](char c) { return c == '-' || c == ':'; });
    return text;
}

std::string calendar_file(const std::vector<calendar_event>& events) {
    std::string out;
    const auto line = [&out](std::string_view name, std::string_view value) {
        out += folded_line(std::string(name) + ":" + std::string(value));
    };
    line("BEGIN", "VCALENDAR");
    line("VERSION", "2.0");
    line("PRODID", "-//Festival//Festival calendar//EN");
    line("CALSCALE", "GREGORIAN");
    line("METHOD", "PUBLISH");
    for (const auto& e : events) {
        line("BEGIN", "VEVENT");
        line("UID", calendar_text(e.uid));
        line("DTSTAMP", calendar_utc(e.stamp));
        line("DTSTART", calendar_utc(e.starts));
        line("DTEND", calendar_utc(e.ends));
        line("SUMMARY", calendar_text(e.summary));
        if (!e.description.empty()) line("DESCRIPTION", calendar_text(e.description));
        if (!e.url.empty()) line("URL", e.url);
        line("END", "VEVENT");
    }
    line("END", "VCALENDAR");
    return out;
}

}  // namespace festival::server
