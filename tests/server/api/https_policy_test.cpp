// A festival public over HTTPS behind a proxy (public-url https://…): requests that came over plain
// HTTP go to HTTPS, health checks excepted, and the session cookie is Secure. In process: the HTTP
// core's decision (request.forwarded_https) is set by the test.
#include <doctest/doctest.h>

#include "server/config.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/in_process_checks.hpp"

using namespace festival::testing;
using festival::catalog::role;
using nlohmann::json;

TEST_CASE("public over HTTPS: a GET or HEAD in clear is sent to the same address on the public URL") {
    in_process_festival f({"--public-url", "https://festival.example:8443/"});
    for (const char* method : {"GET", "HEAD"}) {
        CAPTURE(method);
        const auto moved = f.call(method, "/films/la%20nuit?lang=fr");
        CHECK(moved.status == 308);
        CHECK(moved.header("location") == "https://festival.example:8443/films/la%20nuit?lang=fr");
        CHECK(moved.body.empty());
    }
    // A path no route takes, and /media, are redirected alike: nothing is answered in clear.
    CHECK(f.call("GET", "/nothing-here").header("location") == "https://festival.example:8443/nothing-here");
    CHECK(f.call("GET", "/media/1/v1/150-x/master.m3u8").status == 308);
}

TEST_CASE("public over HTTPS: a write in clear is refused, not carried over") {
    in_process_festival f({"--public-url", "https://festival.example"});
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    const auto refused = f.call_as(curator, "POST", "/api/films", film_body("in-clear").dump());
    check_error_shape(refused, 403);
    CHECK(error_code(refused) == "https_required");
    check_error_shape(f.call("POST", "/api/session", R"({"email": "a@b.c", "password": "x"})"), 403);
    check_error_shape(f.call("DELETE", "/api/nowhere"), 403);
    f.forwarded_https = true;
    CHECK(f.call_as(curator, "GET", "/api/films/in-clear").status == 404);  // nothing was stored
    CHECK(f.call_as(curator, "POST", "/api/films", film_body("over-https").dump()).status == 201);
}

TEST_CASE("public over HTTPS: health checks come plain and are answered, and what came over HTTPS is served") {
    in_process_festival f({"--public-url", "https://festival.example"});
    CHECK(f.call("GET", "/healthz").status == 200);
    CHECK(f.call("GET", "/api/festival").status == 308);
    f.forwarded_https = true;
    CHECK(f.call("GET", "/api/festival").status == 200);
    CHECK(f.call("GET", "/api/films").status == 200);
}

TEST_CASE("without public-url https nothing is redirected, and http:// public URLs change nothing") {
    for (const std::vector<std::string>& flags : {std::vector<std::string>{}, {"--public-url", "http://festival.example"}}) {
        in_process_festival f(flags);
        CHECK(f.call("GET", "/api/festival").status == 200);
        CHECK_FALSE(f.app().settings->secure_cookies);
        CHECK(f.app().settings->http.every_answer_lines.empty());
    }
}

TEST_CASE("public over HTTPS: the session cookie is Secure, and HSTS is sent on every answer") {
    in_process_festival f({"--public-url", "https://festival.example"});
    CHECK(f.app().settings->http.every_answer_lines == "Strict-Transport-Security: max-age=31536000\r\n");
    f.add_account("curator@festival.test", role::curator, "a long enough password");
    f.forwarded_https = true;
    const auto signed_in = f.call("POST", "/api/session",
                                  json{{"email", "curator@festival.test"}, {"password", "a long enough password"}}.dump());
    REQUIRE(signed_in.status == 200);
    const std::string cookie(signed_in.header("set-cookie").value_or(""));
    CHECK(cookie.find("festival_session=") == 0);
    CHECK(cookie.find("; Secure") != std::string::npos);
    CHECK(cookie.find("HttpOnly") != std::string::npos);
}

TEST_CASE("public-url must be an http(s) origin without a path") {
    CHECK(festival::server::load_config({"--public-url", "https://festival.example/"})->public_url ==
          "https://festival.example");
    for (const char* bad : {"festival.example", "ftp://festival.example", "https://", "https://festival.example/films",
                            "https://user@festival.example", "https://festival.example?x"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(festival::server::load_config({"--public-url", bad}), std::invalid_argument);
    }
}
