// Signing in and out through the real route table and dispatcher, in process.
#include <doctest/doctest.h>

#include "tests/support/in_process_checks.hpp"

using namespace festival::testing;
using festival::catalog::role;
using nlohmann::json;

TEST_CASE("sign-in: wrong password refused, session cookie is HttpOnly and SameSite=Strict, sign-out ends it") {
    in_process_festival f;
    const std::string password = "curator password 123";
    f.add_account("curator@festival.test", role::curator, password);
    const auto wrong = f.call("POST", "/api/session",
                              json{{"email", "curator@festival.test"}, {"password", "not the password"}}.dump());
    check_error_shape(wrong, 401);
    CHECK_FALSE(wrong.header("set-cookie"));

    const auto ok = f.call("POST", "/api/session", json{{"email", "curator@festival.test"}, {"password", password}}.dump());
    REQUIRE(ok.status == 200);
    const std::string cookie(ok.header("set-cookie").value_or(""));
    CHECK(cookie.find("HttpOnly") != std::string::npos);
    CHECK(cookie.find("SameSite=Strict") != std::string::npos);
    CHECK(json_of(ok)["user"]["role"] == "curator");

    in_process_session curator;
    curator.cookie = cookie.substr(0, cookie.find(';'));
    curator.who.csrf_token = json_of(ok)["csrf_token"].get<std::string>();
    CHECK(json_of(f.call_as(curator, "GET", "/api/session"))["user"]["email"] == "curator@festival.test");
    CHECK(f.call_as(curator, "DELETE", "/api/session").status == 204);
    CHECK(f.call_as(curator, "GET", "/api/session").status == 401);
    CHECK(f.call_as(curator, "POST", "/api/films", json{{"slug", "after-sign-out"}}.dump()).status == 401);
}
