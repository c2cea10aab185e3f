// The address key every per-viewer limit counts against.
#include <doctest/doctest.h>

#include "server/viewer_key.hpp"

using festival::server::viewer_key;

TEST_CASE("four addresses of one IPv6 /64 share one viewer key, and the user agent is no part of it") {
    const auto key = viewer_key("2001:db8:1:2::1");
    CHECK(key == "2001:db8:1:2::/64");
    for (const char* address : {"2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2:a:b:c:d",
                                "2001:0db8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::1%eth0"}) {
        CAPTURE(address);
        CHECK(viewer_key(address) == key);
    }
    CHECK(viewer_key("2001:db8:1:3::1") != key);  // the next /64 is another subscriber
    CHECK(viewer_key("::1") == "::/64");
}

TEST_CASE("an IPv4 address is its own key, also written as an IPv4-mapped IPv6 address") {
    CHECK(viewer_key("192.0.2.7") == "192.0.2.7");
    CHECK(viewer_key("::ffff:192.0.2.7") == "192.0.2.7");
    CHECK(viewer_key("192.0.2.8") != viewer_key("192.0.2.7"));
    CHECK(viewer_key("127.0.0.2") != viewer_key("127.0.0.3"));
    CHECK(viewer_key("not an address") == "not an address");
}
