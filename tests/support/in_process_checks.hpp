#pragma once
// For doctest tests on in_process_festival: the error shape check, and answers in the shape the HTTP
// client gives them (http_result), so a test reads the same whether it runs in process or over HTTP.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cctype>
#include <string>
#include <string_view>

#include "tests/support/http_client.hpp"
#include "tests/support/in_process_festival.hpp"

namespace festival::testing {

// The JSON error shape every refusal has: {"error": {"code", "message"}} with this status.
inline void check_error_shape(const server::http_response& r, int status) {
    CHECK(r.status == status);
    CHECK(std::string(r.header("content-type").value_or("")).find("application/json") != std::string::npos);
    const auto j = json_of(r);
    CHECK(j["error"]["code"].is_string());
    CHECK(j["error"]["message"].is_string());
    CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
}

inline std::string error_code(const server::http_response& r) {
    return json_of(r)["error"]["code"].get<std::string>();
}

// The answer as a client reads it: every header (shared and static lines too) by lower-case name,
// and a file answer's bytes as the body.
inline http_result as_http_result(const server::http_response& r) {
    http_result out;
    out.status = r.status;
    const auto add = [&](std::string_view name, std::string_view value) {
        std::string key(name);
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[key] = std::string(value);
    };
    const auto add_lines = [&](std::string_view lines) {
        for (std::size_t end; (end = lines.find("\r\n")) != std::string_view::npos; lines.remove_prefix(end + 2)) {
            const auto line = lines.substr(0, end);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            add(line.substr(0, colon), value);
        }
    };
    if (r.shared_header_lines) add_lines(*r.shared_header_lines);
    add_lines(r.static_header_lines.view());
    for (const auto& [name, value] : r.headers) add(name, value);
    out.body = r.body;
    if (r.file) {
        out.body.resize(r.file->length);
        const auto got = ::pread(r.file->file->fd, out.body.data(), out.body.size(), static_cast<off_t>(r.file->offset));
        REQUIRE(got == static_cast<ssize_t>(out.body.size()));
    }
    return out;
}

// A signed-in staff member's browser, in process: the same calls as signed_in_client.
struct in_process_client {
    in_process_festival* festival = nullptr;
    in_process_session session;
    http_result call(const std::string& method, const std::string& target, const std::string& body = "",
                     bool with_csrf = true) const {
        request_headers headers = {{"Cookie", session.cookie}};
        if (with_csrf) headers.emplace_back("X-CSRF-Token", session.who.csrf_token);
        return as_http_result(festival->call(method, target, body, headers));
    }
};

}  // namespace festival::testing
