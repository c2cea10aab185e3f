#include "server/audience/audience_writer.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

#include "server/audience/audience_registry.hpp"
#include "server/catalog_connections.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

audience_writer::audience_writer(audience_registry& registry, catalog_connections& catalog)
    : registry_(registry), catalog_(catalog) {
    const auto& s = registry_.settings();
    log_event("audience", {{"view_seconds", s.rules.view_ms / 1000},
                           {"play_expiry_seconds", s.rules.idle_expiry_ms / 1000},
                           {"flush_ms", s.flush_interval_ms},
                           {"viewers_per_address", s.rules.viewers_per_address},
                           {"test_clock", s.test_clock}});
    thread_.start([this] { loop(); });
}

audience_writer::~audience_writer() { stop(); }

void audience_writer::stop() { thread_.stop(); }

void audience_writer::flush_logged(bool every_play) {
    try {
        registry_.flush(catalog_.local(), every_play);
    } catch (const std::exception& e) {
        log_event("audience_flush_failed", {{"what", e.what()}});
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
            log_event("audience_tick_failed", {{"what", e.what()}});
        }
        if (clock::now() >= next_flush) {
            flush_logged(false);
            next_flush = clock::now() + flush_every;
        }
        try {
            registry_.sync_nodes(catalog_.local());
        } catch (const std::exception& e) {
            log_event("audience_nodes_failed", {{"what", e.what()}});
        }
    }
    flush_logged(true);
    try {
        registry_.leave_nodes(catalog_.local());
    } catch (const std::exception& e) {
        log_event("audience_nodes_failed", {{"what", e.what()}});
    }
}

}  // namespace festival::server
