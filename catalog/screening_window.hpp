#pragma once
// When a film may be watched: THE rule, read once from the catalog's stored window and then asked in
// unix seconds by the catalog's JSON, its list filter and the media server alike, so none of them can
// say "now" while another refuses.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace festival::catalog {

// Where a film stands for viewers at a given time.
enum class screening_state { unpublished, upcoming, now, ended };
const char* to_string(screening_state s);

class screening_window {
public:
    screening_window() = default;  // unpublished
    screening_window(bool published, std::optional<std::int64_t> starts, std::optional<std::int64_t> ends)
        : published_(published), starts_(starts), ends_(ends) {}
    // From the stored ISO 8601 texts (absent: open-ended). A bound no reading of ISO 8601 makes sense
    // of is ignored, as an absent one would be.
    static screening_window from_stored(bool published, const std::optional<std::string>& available_from,
                                        const std::optional<std::string>& available_until);

    // Screening from `starts` (included) until `ends` (excluded), both unix seconds.
    screening_state state_at(std::int64_t unix_time) const;
    bool screening_at(std::int64_t unix_time) const { return state_at(unix_time) == screening_state::now; }

    bool published() const { return published_; }
    std::optional<std::int64_t> starts() const { return starts_; }
    std::optional<std::int64_t> ends() const { return ends_; }
    bool operator==(const screening_window&) const = default;

private:
    bool published_ = false;
    std::optional<std::int64_t> starts_;
    std::optional<std::int64_t> ends_;
};

// Reads a stored ISO 8601 time: "YYYY-MM-DD", or a date and time ('T' or ' ' between them, as SQLite's
// own datetime() writes) with optional seconds and fraction and a "Z" or "±HH:MM" offset (none: UTC).
// A fraction rounds up to the next second: a window bound counts from the first whole second at or
// after it. nullopt when malformed.
std::optional<std::int64_t> parse_stored_time(std::string_view text);

}  // namespace festival::catalog
