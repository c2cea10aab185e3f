#pragma once
// The rooms this node holds, by premiere id. A room opens on its first connection, loaded from the
// catalog on the worker thread that runs the upgrade route (never on an I/O thread), and is dropped
// once it is empty, ended and written. The room writer calls tick() and flush() every second.
// One node holds a room at a time, by its row in the catalog's room_holders (catalog/room_holders.hpp):
// opening claims it, every flush renews it, dropping and stopping release it.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "server/room/room.hpp"

namespace festival::catalog {
class database;
}

namespace festival::server {

// Another live node holds the room: the route answers 503 room_elsewhere, and the balancer (or the
// client, after Retry-After) tries again.
class room_held_elsewhere : public std::runtime_error {
public:
    explicit room_held_elsewhere(const std::string& node)
        : std::runtime_error("the room is held by node " + node), node(node) {}
    std::string node;
};

class room_registry {
public:
    // A holder that has not renewed its claim for this long is taken for dead (it renews every second).
    static constexpr std::int64_t stale_after_ms = 5'000;
    // The WebSocket close code (application range) of a room whose premiere was cancelled: pages stop
    // reconnecting.
    static constexpr std::uint16_t cancelled_close_code = 4404;

    explicit room_registry(room_clock clock = system_room_clock);
    room_registry(const room_registry&) = delete;
    room_registry& operator=(const room_registry&) = delete;

    // This node's name among nodes sharing the catalog (config::node_name, or host:port). Set before
    // the first room opens; a registry never named claims as "".
    void set_node_name(std::string name);
    // The premiere's room, opened (claimed, then loaded) at the first call; nullptr when there is no
    // such premiere; throws room_held_elsewhere when another live node holds it. Blocks on the
    // catalog: worker threads only.
    std::shared_ptr<room> open(catalog::database& db, std::int64_t premiere_id);
    // True when another node holds the premiere's room and renewed its claim within stale_after_ms.
    bool held_elsewhere(catalog::database& db, std::int64_t premiere_id) const;
    // The room when this node holds it open.
    std::shared_ptr<room> find(std::int64_t premiere_id) const;
    // Every room's count and clock messages (once a second).
    void tick();
    // Renews this node's claims, then writes every room's changes, refreshes their moderator links,
    // drops rooms empty and ended (releasing them). A room another node took over meanwhile is closed
    // (its clients reconnect with 1012) and dropped unwritten. Returns how many rooms failed to write
    // (they keep their changes for the next flush).
    int flush(catalog::database& db);
    // A clean stop, after the last flush: every room this node holds is released at once.
    void release_all(catalog::database& db);
    // After a link route changed a premiere's links: the open room learns them at once.
    void refresh_links(catalog::database& db, std::int64_t premiere_id);
    std::size_t open_rooms() const;

private:
    struct slot {
        std::mutex loading;
        std::shared_ptr<room> opened;
    };
    std::map<std::int64_t, std::shared_ptr<slot>> snapshot() const;

    void forget(std::int64_t premiere_id, const std::shared_ptr<slot>& place);

    room_clock clock_;
    mutable std::mutex mutex_;
    std::string node_name_;
    std::map<std::int64_t, std::shared_ptr<slot>> rooms_;
};

}  // namespace festival::server
