#include "server/uploads/tus_headers.hpp"

#include <sodium.h>

#include <ctime>

namespace festival::server::tus {
namespace {

std::string base64_decode(std::string_view text, std::string_view what) {
    std::string out(text.size() / 4 * 3 + 3, '\0');
    std::size_t length = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(),
                          nullptr, &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size())
        throw http_error(400, "invalid_base64", std::string(what) + " is not valid base64");
    out.resize(length);
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

void require_resumable(const http_request& request) {
    const auto sent = request.header("tus-resumable");
    if (!sent) throw http_error(412, "tus_resumable_missing", "send Tus-Resumable: 1.0.0 (tus protocol)");
    if (trim(*sent) != version)
        throw http_error(412, "tus_version_unsupported", "this server speaks tus 1.0.0 only");
}

std::optional<std::int64_t> parse_size_header(const http_request& request, std::string_view name) {
    const auto value = request.header(name);
    if (!value) return std::nullopt;
    const auto text = trim(*value);
    std::int64_t n = 0;
    if (text.empty() || text.size() > 18) throw http_error(400, "invalid_header", std::string(name) + " must be a number");
    for (const char c : text) {
        if (c < '0' || c > '9') throw http_error(400, "invalid_header", std::string(name) + " must be a number");
        n = n * 10 + (c - '0');
    }
    return n;
}

std::map<std::string, std::string> parse_metadata(std::string_view header) {
    std::map<std::string, std::string> values;
    while (!header.empty()) {
        const auto comma = header.find(',');
        const auto pair = trim(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        if (pair.empty()) continue;
        const auto space = pair.find(' ');
        const auto key = pair.substr(0, space);
        if (key.empty()) throw http_error(400, "invalid_metadata", "Upload-Metadata has an empty key");
        const auto encoded = space == std::string_view::npos ? std::string_view() : trim(pair.substr(space + 1));
        if (encoded.find(' ') != std::string_view::npos)
            throw http_error(400, "invalid_metadata", "Upload-Metadata pairs are 'key base64value'");
        values[std::string(key)] = base64_decode(encoded, "Upload-Metadata value of '" + std::string(key) + "'");
    }
    return values;
}

checksum parse_checksum(std::string_view header) {
    const auto text = trim(header);
    const auto space = text.find(' ');
    if (space == std::string_view::npos)
        throw http_error(400, "invalid_checksum", "Upload-Checksum is 'algorithm base64digest'");
    checksum result;
    for (const char c : text.substr(0, space))
        result.algorithm += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (result.algorithm != "sha1")
        throw http_error(400, "checksum_algorithm_unsupported", "Upload-Checksum algorithms offered: sha1");
    result.digest = base64_decode(trim(text.substr(space + 1)), "Upload-Checksum digest");
    if (result.digest.size() != 20) throw http_error(400, "invalid_checksum", "a sha1 digest has 20 bytes");
    return result;
}

http_response& resumable(http_response& response) { return response.set_header("Tus-Resumable", version); }

}  // namespace festival::server::tus
