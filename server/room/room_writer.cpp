#include "server/room/room_writer.hpp"

#include <chrono>
#include <exception>

#include "server/catalog_connections.hpp"
#include "server/room/room_registry.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

room_writer::room_writer(room_registry& rooms, catalog_connections& catalog) : rooms_(rooms), catalog_(catalog) {
    thread_.start([this] { loop(); });
}

room_writer::~room_writer() { stop(); }

void room_writer::stop() { thread_.stop(); }

void room_writer::loop() {
    auto flush = [this] {
        try {
            rooms_.flush(catalog_.local());
        } catch (const std::exception& e) {
            log_event("room_flush_failed", {{"what", e.what()}});
        }
    };
    while (thread_.sleep_for(std::chrono::seconds(1))) {
        try {
            rooms_.tick();
        } catch (const std::exception& e) {
            log_event("room_tick_failed", {{"what", e.what()}});
        }
        flush();
    }
    flush();
    try {  // a clean stop: the next node takes the rooms at once instead of after stale_after_ms
        rooms_.release_all(catalog_.local());
    } catch (const std::exception& e) {
        log_event("room_release_failed", {{"what", e.what()}});
    }
}

}  // namespace festival::server
