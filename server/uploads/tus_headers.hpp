#pragma once
// The tus 1.0.0 protocol's header vocabulary: parsing what clients send and formatting what we answer.
// Pure functions, no I/O, so they are tested without a server.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/http_message.hpp"

namespace festival::server::tus {

inline constexpr const char* version = "1.0.0";
inline constexpr const char* extensions = "creation,creation-with-upload,termination,expiration,checksum";
inline constexpr const char* checksum_algorithms = "sha1";
inline constexpr const char* offset_content_type = "application/offset+octet-stream";

// 412 unless the request says Tus-Resumable: 1.0.0.
void require_resumable(const http_request& request);

// A non-negative decimal header value (Upload-Length, Upload-Offset): nullopt when absent; throws
// http_error 400 when malformed.
std::optional<std::int64_t> parse_size_header(const http_request& request, std::string_view name);

// Upload-Metadata: "key base64value,key2 base64value2,flag" → decoded values (a key alone maps to "").
// Throws http_error 400 on a malformed pair or bad base64.
std::map<std::string, std::string> parse_metadata(std::string_view header);

struct checksum {
    std::string algorithm;  // lower-case
    std::string digest;     // raw bytes
};
// Upload-Checksum: "sha1 <base64 digest>". Throws 400 on malformed input or an algorithm we do not
// offer (the tus checksum extension's answer).
checksum parse_checksum(std::string_view header);

// Adds Tus-Resumable to an answer.
http_response& resumable(http_response& response);

}  // namespace festival::server::tus
