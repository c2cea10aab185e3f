#include "catalog/screening_window.hpp"

#include <cctype>
#include <chrono>

namespace festival::catalog {
namespace {

// Reads exactly `width` decimal digits at `at`, moving past them.
std::optional<int> digits(std::string_view text, std::size_t& at, std::size_t width) {
    if (at + width > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const char c = text[at + i];
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    at += width;
    return value;
}

bool skip(std::string_view text, std::size_t& at, char expected) {
    if (at >= text.size() || text[at] != expected) return false;
    ++at;
    return true;
}

}  // namespace

const char* to_string(screening_state s) {
    switch (s) {
        case screening_state::unpublished: return "unpublished";
        case screening_state::upcoming: return "upcoming";
        case screening_state::now: return "now";
        case screening_state::ended: return "ended";
    }
    return "unpublished";
}

std::optional<std::int64_t> parse_stored_time(std::string_view text) {
    std::size_t at = 0;
    const auto y = digits(text, at, 4);
    if (!y || !skip(text, at, '-')) return std::nullopt;
    const auto mo = digits(text, at, 2);
    if (!mo || !skip(text, at, '-')) return std::nullopt;
    const auto d = digits(text, at, 2);
    if (!d) return std::nullopt;
    using namespace std::chrono;
    const year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) return std::nullopt;
    const std::int64_t midnight = sys_days{ymd}.time_since_epoch().count() * 86400LL;
    if (at == text.size()) return midnight;

    if (!skip(text, at, 'T') && !skip(text, at, ' ')) return std::nullopt;
    const auto h = digits(text, at, 2);
    if (!h || !skip(text, at, ':')) return std::nullopt;
    const auto mi = digits(text, at, 2);
    if (!mi) return std::nullopt;
    int s = 0;
    bool fraction = false;
    if (skip(text, at, ':')) {
        const auto sec = digits(text, at, 2);
        if (!sec) return std::nullopt;
        s = *sec;
        if (skip(text, at, '.')) {
            const auto first = at;
            while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
                if (text[at] != '0') fraction = true;
                ++at;
            }
            if (at == first) return std::nullopt;
        }
    }
    if (*h > 23 || *mi > 59 || s > 59) return std::nullopt;
    std::int64_t offset = 0;  // seconds east of UTC
    if (at < text.size()) {
        if (skip(text, at, 'Z')) {
        } else if (text[at] == '+' || text[at] == '-') {
            const int sign = text[at++] == '-' ? -1 : 1;
            const auto oh = digits(text, at, 2);
            if (!oh) return std::nullopt;
            skip(text, at, ':');
            const auto om = digits(text, at, 2);
            if (!om || *oh > 23 || *om > 59) return std::nullopt;
            offset = sign * (*oh * 3600LL + *om * 60LL);
        } else {
            return std::nullopt;
        }
    }
    if (at != text.size()) return std::nullopt;
    return midnight + *h * 3600LL + *mi * 60LL + s + (fraction ? 1 : 0) - offset;
}

screening_window screening_window::from_stored(bool published, const std::optional<std::string>& available_from,
                                               const std::optional<std::string>& available_until) {
    return screening_window(published, available_from ? parse_stored_time(*available_from) : std::nullopt,
                            available_until ? parse_stored_time(*available_until) : std::nullopt);
}

screening_state screening_window::state_at(std::int64_t unix_time) const {
    if (!published_) return screening_state::unpublished;
    if (starts_ && unix_time < *starts_) return screening_state::upcoming;
    if (ends_ && unix_time >= *ends_) return screening_state::ended;
    return screening_state::now;
}

}  // namespace festival::catalog
