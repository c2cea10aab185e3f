// Bytes from the network, read as the server reads a request: Beast's parser with the server's header
// limit and a capped read buffer, fed in pieces of varying size; then our path decoding, route
// matching and the request accessors handlers use.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "tests/fuzz/fuzz_support.hpp"

namespace http = boost::beast::http;
using namespace festival;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    auto& festival = fuzzing::shared_festival();
    const std::size_t piece = 1 + data[0] % 64;  // how the bytes arrive
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    boost::beast::flat_buffer buffer(64 * 1024);  // what one request may make the server hold
    boost::beast::error_code ec;
    std::size_t offset = 0;
    while (!parser.is_done() && offset < bytes.size()) {
        const std::size_t n = std::min(piece, bytes.size() - offset);
        if (buffer.max_size() - buffer.size() < n) return 0;  // the server answers 413/431 here
        auto room = buffer.prepare(n);
        std::memcpy(room.data(), bytes.data() + offset, n);
        buffer.commit(n);
        offset += n;
        buffer.consume(parser.put(buffer.data(), ec));
        if (ec == http::error::need_more) {
            ec = {};
            continue;
        }
        if (ec) return 0;
    }
    if (!parser.is_header_done()) return 0;

    const auto& header = parser.get();
    server::http_request request;
    request.method = std::string(header.method_string());
    request.target = std::string(header.target());
    const auto question = request.target.find('?');
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    const auto decoded = server::percent_decode(std::string_view(request.target).substr(0, question), false);
    if (!decoded) return 0;
    request.path = *decoded;
    for (const auto& field : header) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        request.headers.emplace_back(std::move(name), std::string(field.value()));
    }

    const auto match = festival.routes->routes().match(request.method, request.path);
    if (match.found) {
        const auto& pattern = match.found->pattern;
        if (pattern.find("{rest...}") == std::string::npos && pattern.find('{') == std::string::npos &&
            request.path != pattern)
            __builtin_trap();  // a literal route matched another path
    }
    (void)request.cookie("festival_session");
    (void)request.query_param("q");
    try {
        (void)request.query_number("page", 1, 1000);
    } catch (const server::http_error&) {
    }
    return 0;
}
