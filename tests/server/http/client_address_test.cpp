// The network a client address counts under: for limits (a whole IPv4 address, an IPv6 /64).
#include <doctest/doctest.h>

#include "server/http/client_address.hpp"

using festival::server::client_network;

TEST_CASE("four addresses of one IPv6 /64 share one viewer key, and the user agent is no part of it") {
    const auto key = client_network("2001:db8:1:2::1");
    CHECK(key == "2001:db8:1:2::");
    for (const char* address : {"2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2:a:b:c:d",
                                "2001:0db8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::1%eth0"}) {
        CAPTURE(address);
        CHECK(client_network(address) == key);
    }
    CHECK(client_network("2001:db8:1:3::1") != key);  // the next /64 is another subscriber
    CHECK(client_network("::1") == "::");
}

TEST_CASE("an IPv4 address is its own key, also written as an IPv4-mapped IPv6 address") {
    CHECK(client_network("192.0.2.7") == "192.0.2.7");
    CHECK(client_network("::ffff:192.0.2.7") == "192.0.2.7");
    CHECK(client_network("192.0.2.8") != client_network("192.0.2.7"));
    CHECK(client_network("127.0.0.2") != client_network("127.0.0.3"));
    CHECK(client_network("not an address") == "-");
}
