#pragma once
// doctest checks on in-process answers (in_process_festival).
#include <doctest/doctest.h>

#include <string>

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

}  // namespace festival::testing
