#include "server/audience_writer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "server/audience_registry.hpp"
#include "server/catalog_connections.hpp"

namespace festival::server {

audience_writer::audience_writer(audience_registry& registry, catalog_connections& catalog)
    : registry_(registry), catalog_(catalog) {
    const auto& s = registry_.settings();
    std::fprintf(stderr,
                 "{\"event\":\"audience\",\"view_seconds\":%lld,\"play_expiry_seconds\":%lld,\"flush_ms\":%lld,"
                 "\"test_clock\":%s}\n",
                 static_cast<long long>(s.rules.view_ms / 1000), static_cast<long long>(s.rules.idle_expiry_ms / 1000),
                 static_cast<long long>(s.flush_interval_ms), std::getenv("FESTIVAL_TEST_CLOCK_FILE") ? "true" : "false");
    thread_ = std::thread([this] { loop(); });
}

audience_writer::~audience_writer() { stop(); }

void audience_writer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stop_ && !thread_.joinable()) return;
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

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
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, sample_every, [this] { return stop_; })) {
        lock.unlock();
        try {
            registry_.tick();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "{\"event\":\"audience_tick_failed\",\"what\":\"%s\"}\n", e.what());
        }
        if (clock::now() >= next_flush) {
            flush_logged(false);
            next_flush = clock::now() + flush_every;
        }
        lock.lock();
    }
    lock.unlock();
    flush_logged(true);
}

}  // namespace festival::server
