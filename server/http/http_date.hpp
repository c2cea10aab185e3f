#pragma once
// HTTP-date (RFC 9110 §5.6.7): the one place that formats and reads it, for Date, Last-Modified,
// If-Modified-Since and tus's Upload-Expires. Written without the C locale's day and month names.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace festival::server {

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::int64_t unix_seconds);

// An IMF-fixdate back to unix seconds; nullopt for anything else.
std::optional<std::int64_t> parse_http_date(std::string_view text);

// "Date: <IMF-fixdate>\r\n" for now, which an origin server with a clock sends on every answer
// (RFC 9110 §6.6.1); formatted again only when the second changes, per thread.
std::string_view date_header_line();

}  // namespace festival::server
