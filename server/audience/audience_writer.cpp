#include "server/audience/audience_writer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "server/audience/audience_registry.hpp"
#include "server/catalog_connections.hpp"

namespace festival::server {

audience_writer::audience_writer(audience_registry& registry, catalog_connections& catalog)
    : registry_(registry), catalog_(catalog) {
    const auto& s = registry_.settings();
    std::fprintf(stderr,
                 "{\"event\":\"audience\",\"view_seconds\":%lld,\"play_expiry_seconds\":%lld,\"flush_ms\":%lld,"
                 "\"viewers_per_address\":%d,\"test_clock\":%s}\n",
                 static_cast<long long>(s.rules.view_ms / 1000), static_cast<long long>(s.rules.idle_expiry_ms / 1000),
                 static_cast<long long>(s.flush_interval_ms), s.rules.viewers_per_address,
                 std::getenv("FESTIVAL_TEST_CLOCK_FILE") ? "true" : "false");
    thread_.start([this] { loop(); });
}

audience_writer::~audience_writer() { stop(); }

void audience_writer::stop() { thread_.stop(); }

void audience_writer::flush_logged(bool every_play) {
    try {
        registry_.flush(catalog_.local(), every_play);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "{\"event\":\"audience_flush_failed\",\"what\":\"%s\"}\n", e.what());
    }
}

void audience_writer::loop() {
    using clock = std::chrono::steady_clock;
    const auto flush_every = std::chrono::milliseconds(registry_.settings().flush_interval_ms);
    const auto sample_every = std::min<clock::duration>(std::chrono::seconds(1), flush_every);
    auto next_flush = clock::now() + flush_every;
    while (thread_.sleep_for(sample_every)) {
        try {
            registry_.tick();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "{\"event\":\"audience_tick_failed\",\"what\":\"%s\"}\n", e.what());
        }
        if (clock::now() >= next_flush) {
            flush_logged(false);
            next_flush = clock::now() + flush_every;
        }
    }
    flush_logged(true);
}

}  // namespace festival::server
