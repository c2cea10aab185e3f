#include "server/http/http_date.hpp"

#include <cstdio>
#include <ctime>

namespace festival::server {
namespace {

constexpr const char* day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Writes "<prefix><IMF-fixdate><suffix>" over `out`; returns its length.
std::size_t format(char* out, std::size_t size, std::time_t t, const char* prefix, const char* suffix) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    const int n = std::snprintf(out, size, "%s%s, %02d %s %04d %02d:%02d:%02d GMT%s", prefix, day_names[tm.tm_wday],
                                tm.tm_mday, month_names[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                                tm.tm_sec, suffix);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace

std::string http_date(std::int64_t unix_seconds) {
    char buffer[48];
    const auto length = format(buffer, sizeof buffer, static_cast<std::time_t>(unix_seconds), "", "");
    return std::string(buffer, length);
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
    std::tm tm{};
    const std::string copy(text);
    const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0') return std::nullopt;
    return static_cast<std::int64_t>(timegm(&tm));
}

std::string_view date_header_line() {
    thread_local std::time_t formatted_second = -1;
    thread_local char line[64];
    thread_local std::size_t length = 0;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
    if (now.tv_sec != formatted_second) {
        length = format(line, sizeof line, now.tv_sec, "Date: ", "\r\n");
        formatted_second = now.tv_sec;
    }
    return {line, length};
}

}  // namespace festival::server
