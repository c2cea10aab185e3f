// Writes another site's page could make a visitor's browser send: a real `festival serve` told
// where requests come from, as browsers tell it (Origin, Sec-Fetch-Site, Content-Type).
#include <doctest/doctest.h>

#include "tests/support/festival_fixture.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

// The shared fixture with a curator and a published film to rate.
struct site_fixture : festival_fixture {
    site_fixture() : festival_fixture(fixture_options().with_accounts({{fixture_curator, "curator"}})) {
        REQUIRE(curator().call("POST", "/api/films",
                               json{{"slug", "retour"}, {"original_title", "Retour"}, {"category", "short"},
                                    {"published", true}}.dump())
                    .status == 201);
    }
    std::string own_origin() const { return "http://127.0.0.1:" + std::to_string(port()); }
    http_result rate(const header_list& headers) const {
        return http_call(port(), "POST", "/api/films/retour/ratings", json{{"stars", 4}}.dump(), headers);
    }
    http_result sign_in_with(const header_list& headers) const {
        return http_call(port(), "POST", "/api/session", json{{"email", fixture_curator}, {"password", fixture_password}}.dump(),
                         headers);
    }
};

std::string error_code(const http_result& r) { return r.json()["error"]["code"].get<std::string>(); }

}  // namespace

TEST_CASE("a body typed text/plain with application/json in a parameter is refused with 415") {
    site_fixture f;
    for (const char* type : {"text/plain; x=application/json", "text/plain;application/json",
                             "application/jsonp", "application/json-seq"}) {
        CAPTURE(type);
        const auto rated = f.rate({{"Content-Type", type}});
        CHECK(rated.status == 415);
        CHECK(error_code(rated) == "unsupported_media_type");
        CHECK(f.sign_in_with({{"Content-Type", type}}).status == 415);
    }
    CHECK(f.sign_in_with({{"Content-Type", " Application/JSON ; charset=utf-8"}}).status == 200);
}

TEST_CASE("anonymous writes from another site are refused with 403 cross_site_request") {
    site_fixture f;
    const header_list other_sites[] = {
        {{"Origin", "http://evil.example"}},
        {{"Origin", "null"}},
        {{"Origin", "http://127.0.0.1:1"}},  // same host, another port: another origin
        {{"Sec-Fetch-Site", "cross-site"}},
        {{"Sec-Fetch-Site", "same-site"}},
        {{"Sec-Fetch-Site", "cross-site"}, {"Origin", f.own_origin()}},
    };
    for (const auto& headers : other_sites) {
        CAPTURE(headers.front().second);
        const auto rated = f.rate(headers);
        CHECK(rated.status == 403);
        CHECK(error_code(rated) == "cross_site_request");
        CHECK(f.sign_in_with(headers).status == 403);
        // The player's reports (beacons) too.
        const auto beat = http_call(f.port(), "POST", "/api/plays/some-play/heartbeat", R"({"position":1})", headers);
        CHECK(beat.status == 403);
    }
}

TEST_CASE("anonymous writes from the festival's own pages, or from no browser, are accepted") {
    site_fixture f;
    const header_list same_site[] = {
        {},
        {{"Origin", f.own_origin()}},
        {{"Origin", "HTTP://127.0.0.1:" + std::to_string(f.port())}},
        // Behind a proxy that terminates TLS the scheme differs from what the server sees; Host cannot tell.
        {{"Origin", "https://127.0.0.1:" + std::to_string(f.port())}},
        {{"Sec-Fetch-Site", "same-origin"}, {"Origin", f.own_origin()}},
        {{"Sec-Fetch-Site", "same-origin"}},
    };
    for (const auto& headers : same_site) {
        CAPTURE(headers.size());
        const auto rated = f.rate(headers);  // refused for want of a watched play, not for its origin
        CHECK(rated.body.find("cross_site_request") == std::string::npos);
        CHECK(rated.status < 500);
        CHECK(f.sign_in_with(headers).status == 200);
    }
    // Reads are never refused for where they come from.
    CHECK(http_call(f.port(), "GET", "/api/films", "", {{"Origin", "http://evil.example"}}).status == 200);
}
