// The client's address behind trusted reverse proxies: the pure rule, then a real server.
#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include "server/config.hpp"
#include "server/http/forwarded_for.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using festival::server::client_address;
using festival::server::trusted_proxies;
using std::nullopt;

namespace {

const auto proxies = trusted_proxies::parse("127.0.0.1, 10.0.0.0/8, ::1, 2001:db8:f::/48");

}  // namespace

TEST_CASE("trusted proxies: addresses and CIDRs of both families, an IPv4-mapped peer counts as IPv4") {
    CHECK(proxies.trusts("127.0.0.1"));
    CHECK_FALSE(proxies.trusts("127.0.0.2"));
    CHECK(proxies.trusts("10.200.3.4"));
    CHECK_FALSE(proxies.trusts("11.0.0.1"));
    CHECK(proxies.trusts("::1"));
    CHECK(proxies.trusts("2001:db8:f:7::9"));
    CHECK_FALSE(proxies.trusts("2001:db8:e::1"));
    CHECK(proxies.trusts("::ffff:10.1.2.3"));
    CHECK(proxies.trusts("::ffff:127.0.0.1"));
    CHECK_FALSE(proxies.trusts("::ffff:127.0.0.2"));
    CHECK_FALSE(proxies.trusts("not an address"));
    CHECK_FALSE(proxies.trusts(""));
    CHECK(trusted_proxies::parse("10.1.2.3/8").trusts("10.9.9.9"));  // host bits are ignored
    CHECK(trusted_proxies::parse("0.0.0.0/0").trusts("198.51.100.1"));
    CHECK_FALSE(trusted_proxies::parse("0.0.0.0/0").trusts("2001:db8::1"));
}

TEST_CASE("trusted proxies: empty trusts nobody, and a bad entry is an error naming it") {
    CHECK(trusted_proxies{}.empty());
    CHECK_FALSE(trusted_proxies{}.trusts("127.0.0.1"));
    CHECK(trusted_proxies::parse("  ").empty());
    for (const char* bad : {"10.0.0.0/33", "localhost", "10.0.0.1,", "2001:db8::/129", "10.0.0.0/x", "1.2.3",
                            "[::1]", "::1/"}) {
        CAPTURE(bad);
        try {
            trusted_proxies::parse(bad);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find("trusted-proxies") != std::string::npos);
        }
    }
    CHECK(trusted_proxies::parse("10.0.0.0/8 ,::1").text() == "10.0.0.0/8 ,::1");
}

TEST_CASE("from a peer that is not trusted both forwarding headers are ignored") {
    CHECK(client_address("198.51.100.9", "for=203.0.113.7", "203.0.113.7", proxies) == "198.51.100.9");
    CHECK(client_address("127.0.0.2", nullopt, "203.0.113.7", proxies) == "127.0.0.2");
    CHECK(client_address("127.0.0.1", nullopt, "203.0.113.7", trusted_proxies{}) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", nullopt, nullopt, proxies) == "127.0.0.1");
}

TEST_CASE("X-Forwarded-For from a trusted peer: the rightmost hop that is not a trusted proxy") {
    CHECK(client_address("127.0.0.1", nullopt, "203.0.113.7", proxies) == "203.0.113.7");
    CHECK(client_address("::ffff:127.0.0.1", nullopt, "203.0.113.7", proxies) == "203.0.113.7");
    // A forged entry on the left is not what the trusted proxies saw.
    CHECK(client_address("127.0.0.1", nullopt, "1.1.1.1, 203.0.113.7, 10.0.0.5", proxies) == "203.0.113.7");
    CHECK(client_address("127.0.0.1", nullopt, " 1.1.1.1 ,203.0.113.7 ", proxies) == "203.0.113.7");
    // Every hop trusted: the leftmost.
    CHECK(client_address("127.0.0.1", nullopt, "10.0.0.9, 10.0.0.5", proxies) == "10.0.0.9");
    // Ports and IPv6, bracketed or not; IPv4-mapped hops as IPv4.
    CHECK(client_address("127.0.0.1", nullopt, "203.0.113.7:4711", proxies) == "203.0.113.7");
    CHECK(client_address("127.0.0.1", nullopt, "2001:db8:1::5", proxies) == "2001:db8:1::5");
    CHECK(client_address("127.0.0.1", nullopt, "[2001:db8:1::5]:443", proxies) == "2001:db8:1::5");
    CHECK(client_address("::1", nullopt, "::ffff:203.0.113.7", proxies) == "203.0.113.7");
    // A hop that is no address ends the walk at the last good one.
    CHECK(client_address("127.0.0.1", nullopt, "203.0.113.7, garbage", proxies) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", nullopt, "203.0.113.7, unknown, 10.0.0.5", proxies) == "10.0.0.5");
    CHECK(client_address("127.0.0.1", nullopt, "", proxies) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", nullopt, "203.0.113.7,", proxies) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", nullopt, "[2001:db8::1", proxies) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", nullopt, "1.2.3.4:", proxies) == "127.0.0.1");
}

TEST_CASE("Forwarded (RFC 7239) from a trusted peer: for= of each element, preferred over X-Forwarded-For") {
    CHECK(client_address("127.0.0.1", "for=203.0.113.7", nullopt, proxies) == "203.0.113.7");
    CHECK(client_address("127.0.0.1", "for=203.0.113.7", "198.51.100.1", proxies) == "203.0.113.7");
    CHECK(client_address("127.0.0.1", "For=\"203.0.113.7:4711\";proto=https;by=10.0.0.1", nullopt, proxies) ==
          "203.0.113.7");
    CHECK(client_address("127.0.0.1", "for=\"[2001:db8:1::5]:443\"", nullopt, proxies) == "2001:db8:1::5");
    CHECK(client_address("127.0.0.1", "for=\"[2001:db8:1::5]\"", nullopt, proxies) == "2001:db8:1::5");
    CHECK(client_address("127.0.0.1", "for=1.1.1.1, for=203.0.113.7;proto=http, for=10.0.0.5", nullopt, proxies) ==
          "203.0.113.7");
    CHECK(client_address("127.0.0.1", "proto=https; for = 203.0.113.7 ; host=x.test", nullopt, proxies) ==
          "203.0.113.7");
    // Quoted strings may hold commas, semicolons and escapes.
    CHECK(client_address("127.0.0.1", "for=203.0.113.7;ext=\"a,b;c\\\"\", for=10.0.0.5", nullopt, proxies) ==
          "203.0.113.7");
    // unknown, obfuscated identifiers, elements without for= and broken quoting stop the walk.
    CHECK(client_address("127.0.0.1", "for=unknown", nullopt, proxies) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", "for=203.0.113.7, for=_hidden, for=10.0.0.5", nullopt, proxies) == "10.0.0.5");
    CHECK(client_address("127.0.0.1", "for=\"_gazonk\"", nullopt, proxies) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", "for=203.0.113.7, proto=https", nullopt, proxies) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", "for=\"203.0.113.7", nullopt, proxies) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", "for=\"[2001:db8::1]:x:y\"", nullopt, proxies) == "127.0.0.1");
    CHECK(client_address("127.0.0.1", "for=\"203.0.113.7:_port\"", nullopt, proxies) == "203.0.113.7");
    // A Forwarded field that says nothing usable still wins over X-Forwarded-For.
    CHECK(client_address("127.0.0.1", "for=unknown", "203.0.113.7", proxies) == "127.0.0.1");
    // Every hop trusted: the leftmost.
    CHECK(client_address("::1", "for=\"[::1]\", for=10.0.0.2", nullopt, proxies) == "::1");
}

TEST_CASE("trusted-proxies is a serve setting, and a bad value stops the start") {
    CHECK(festival::server::load_config({})->http.proxies.empty());
    const auto set = festival::server::load_config({"--trusted-proxies", "127.0.0.1,10.0.0.0/8"});
    CHECK(set->http.proxies.trusts("10.2.3.4"));
    CHECK_THROWS_AS(festival::server::load_config({"--trusted-proxies", "10.0.0.0/40"}), std::invalid_argument);
}

TEST_CASE("a real server counts a trusted proxy's client by X-Forwarded-For, and ignores it from anyone else") {
    using namespace festival::testing;
    temp_dir dir;
    festival_process server(dir.path().string(), {"--access-log", "on", "--trusted-proxies", "127.0.0.1"});
    const header_list forged = {{"X-Forwarded-For", "203.0.113.7"}};
    CHECK(http_call_from("127.0.0.1", server.port(), "GET", "/api/films", "", forged).status == 200);
    http_call_from("127.0.0.2", server.port(), "GET", "/api/untrusted", "", forged);
    server.stop();

    std::ifstream in(dir.path() / "server.log");
    std::string line, proxied, direct;
    while (std::getline(in, line)) {
        if (line.find("\"remote\":") == std::string::npos) continue;
        (line.find("untrusted") == std::string::npos ? proxied : direct) = line;
    }
    CAPTURE(proxied);
    CAPTURE(direct);
    CHECK(proxied.find("\"remote\":\"203.0.113.0\"") != std::string::npos);
    CHECK(direct.find("\"remote\":\"127.0.0.0\"") != std::string::npos);
}

TEST_CASE("the scheme: believed only from a trusted proxy, from the hop that named the client") {
    using festival::server::resolve_client;
    const auto https = [](std::string_view peer, std::optional<std::string_view> forwarded,
                          std::optional<std::string_view> xff, std::optional<std::string_view> proto) {
        return resolve_client(peer, forwarded, xff, proto, proxies).https;
    };
    // Straight from anyone (the festival speaks no TLS itself): plain HTTP, whatever it claims.
    CHECK_FALSE(https("127.0.0.2", nullopt, nullopt, "https"));
    CHECK_FALSE(https("127.0.0.2", "for=203.0.113.7;proto=https", nullopt, nullopt));
    // A trusted proxy says which.
    CHECK(https("127.0.0.1", nullopt, "203.0.113.7", "https"));
    CHECK_FALSE(https("127.0.0.1", nullopt, "203.0.113.7", "http"));
    CHECK(https("127.0.0.1", nullopt, nullopt, "HTTPS"));
    // One that says nothing is taken to have ended TLS itself (no redirect loop behind it).
    CHECK(https("127.0.0.1", nullopt, "203.0.113.7", nullopt));
    // Appended per hop: the value at the client's hop, not what an inner proxy's hop was.
    CHECK(https("127.0.0.1", nullopt, "203.0.113.7, 10.0.0.5", "https, http"));
    // Not one per hop: the last value, the one the trusted peer set (a client's forged first one loses).
    CHECK_FALSE(https("127.0.0.1", nullopt, "203.0.113.7", "https, http"));
    // Forwarded: the proto of the element that named the client.
    CHECK(https("127.0.0.1", "for=203.0.113.7;proto=https, for=10.0.0.5;proto=http", nullopt, nullopt));
    CHECK_FALSE(https("127.0.0.1", "for=203.0.113.7;proto=http, for=10.0.0.5;proto=https", nullopt, nullopt));
    CHECK_FALSE(https("127.0.0.1", "for=198.51.100.1;proto=https, for=203.0.113.7;proto=http", nullopt, nullopt));
    // Forwarded wins over X-Forwarded-Proto, as over X-Forwarded-For.
    CHECK_FALSE(https("127.0.0.1", "for=203.0.113.7;proto=http", nullopt, "https"));
    // The address is the same as client_address says.
    CHECK(resolve_client("127.0.0.1", "for=203.0.113.7;proto=https", nullopt, nullopt, proxies).address == "203.0.113.7");
}

TEST_CASE("a real server public over HTTPS: HSTS on every answer, plain HTTP redirected, a forged scheme ignored") {
    using namespace festival::testing;
    temp_dir dir;
    festival_process server(dir.path().string(),
                            {"--public-url", "https://festival.example", "--trusted-proxies", "127.0.0.1"});
    const header_list over_https = {{"X-Forwarded-Proto", "https"}};
    const auto proxied = http_call_from("127.0.0.1", server.port(), "GET", "/api/films?page=1", "", over_https);
    CHECK(proxied.status == 200);
    CHECK(proxied.header("strict-transport-security") == "max-age=31536000");

    const auto in_clear = http_call_from("127.0.0.1", server.port(), "GET", "/api/films?page=1", "",
                                         {{"X-Forwarded-Proto", "http"}});
    CHECK(in_clear.status == 308);
    CHECK(in_clear.header("location") == "https://festival.example/api/films?page=1");
    CHECK(in_clear.header("strict-transport-security") == "max-age=31536000");
    // Straight from a peer that is no trusted proxy, its claim to have come over HTTPS is not believed.
    const auto forged = http_call_from("127.0.0.2", server.port(), "GET", "/api/films", "", over_https);
    CHECK(forged.status == 308);
    CHECK(forged.header("location") == "https://festival.example/api/films");
    // Health checks come plain.
    const auto health = http_call_from("127.0.0.2", server.port(), "GET", "/healthz");
    CHECK(health.status == 200);
    CHECK(health.header("strict-transport-security") == "max-age=31536000");
    // The HTTP core's own refusals carry it too.
    const auto malformed = http_call_from("127.0.0.1", server.port(), "GET", "/%zz", "", over_https);
    CHECK(malformed.status == 400);
    CHECK(malformed.header("strict-transport-security") == "max-age=31536000");
}

TEST_CASE("a real server not public over HTTPS sends no HSTS and redirects nothing") {
    using namespace festival::testing;
    temp_dir dir;
    festival_process server(dir.path().string());
    const auto answer = http_call(server.port(), "GET", "/api/films");
    CHECK(answer.status == 200);
    CHECK(answer.header("strict-transport-security").empty());
}
