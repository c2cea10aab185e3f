// The in-memory per-viewer rate limit and the keyed address hash, with an explicit clock.
#include <doctest/doctest.h>

#include "server/http/rate_limiter.hpp"

using namespace festival::server;
using namespace std::chrono_literals;

TEST_CASE("a viewer gets `limit` events per window, then a wait until the oldest leaves the window") {
    rate_limiter limiter(10, 600s);
    const auto t0 = rate_limiter::clock::time_point{} + 1000s;
    for (int i = 0; i < 10; ++i) CHECK(limiter.try_acquire("viewer", t0 + std::chrono::seconds(i)) == 0);
    CHECK(limiter.try_acquire("viewer", t0 + 10s) == 590);  // the first event leaves at t0 + 600 s
    CHECK(limiter.try_acquire("other", t0 + 10s) == 0);     // others are not affected
    CHECK(limiter.try_acquire("viewer", t0 + 599s) == 1);
    CHECK(limiter.try_acquire("viewer", t0 + 600s) == 0);   // one slot freed
    CHECK(limiter.try_acquire("viewer", t0 + 600s) == 1);
}

TEST_CASE("viewers idle for a whole window are forgotten") {
    rate_limiter limiter(3, 60s);
    const auto t0 = rate_limiter::clock::time_point{} + 1000s;
    for (int i = 0; i < 100; ++i) limiter.try_acquire("viewer-" + std::to_string(i), t0);
    CHECK(limiter.tracked_keys() == 100);
    limiter.try_acquire("late", t0 + 61s);
    CHECK(limiter.tracked_keys() == 1);
}

TEST_CASE("addresses are hashed with a per-process key and never kept as given") {
    viewer_hasher a, b;
    const auto h = a.hash("203.0.113.7");
    CHECK(h.size() == 32);
    CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);  // a digest, not the address
    CHECK(a.hash("203.0.113.7") == h);           // stable within a process
    CHECK(a.hash("203.0.113.8") != h);
    CHECK(b.hash("203.0.113.7") != h);           // another key, another hash
}
