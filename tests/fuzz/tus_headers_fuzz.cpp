// The tus headers a client sends (Upload-Metadata, Upload-Checksum, Upload-Length/Offset): parsed or
// refused with 400, never anything else.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/uploads/tus_headers.hpp"

using namespace festival::server;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        for (const auto& [key, value] : tus::parse_metadata(text))
            if (key.empty() && !value.empty()) __builtin_trap();
    } catch (const http_error& e) {
        if (e.status() != 400) __builtin_trap();
    }
    try {
        const auto sum = tus::parse_checksum(text);
        if (sum.algorithm != "sha1") __builtin_trap();
    } catch (const http_error& e) {
        if (e.status() != 400) __builtin_trap();
    }
    http_request request;
    request.headers = {{"upload-length", text}};
    try {
        if (const auto n = tus::parse_size_header(request, "upload-length"); n && *n < 0) __builtin_trap();
    } catch (const http_error& e) {
        if (e.status() != 400) __builtin_trap();
    }
    return 0;
}
