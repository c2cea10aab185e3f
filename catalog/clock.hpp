#pragma once
// Time as the catalog stores it: ISO 8601 UTC text ("2026-05-01T00:00:00Z"), which sorts as it reads.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace festival::catalog {

std::int64_t unix_now();
std::string format_utc(std::int64_t unix_seconds);
std::string utc_now();
// Parses "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD" (midnight UTC); nullopt when malformed.
std::optional<std::int64_t> parse_utc(std::string_view text);

}  // namespace festival::catalog
