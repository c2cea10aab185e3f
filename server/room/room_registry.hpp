#pragma once
// The rooms this node holds, by premiere id. A room opens on its first connection, loaded from the
// catalog on the worker thread that runs the upgrade route (never on an I/O thread), and is dropped
// once it is empty, ended and written. The room writer calls tick() and flush() every second.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "server/room/room.hpp"

namespace festival::catalog {
class database;
}

namespace festival::server {

class room_registry {
public:
    explicit room_registry(room_clock clock = system_room_clock);
    room_registry(const room_registry&) = delete;
    room_registry& operator=(const room_registry&) = delete;

    // The premiere's room, opened (loaded) at the first call; nullptr when there is no such premiere.
    // Blocks on the catalog: worker threads only.
    std::shared_ptr<room> open(catalog::database& db, std::int64_t premiere_id);
    // The room when this node holds it open.
    std::shared_ptr<room> find(std::int64_t premiere_id) const;
    // Every room's count and clock messages (once a second).
    void tick();
    // Writes every room's changes, refreshes their moderator links, drops rooms empty and ended.
    // Returns how many rooms failed to write (they keep their changes for the next flush).
    int flush(catalog::database& db);
    // After a link route changed a premiere's links: the open room learns them at once.
    void refresh_links(catalog::database& db, std::int64_t premiere_id);
    std::size_t open_rooms() const;

private:
    struct slot {
        std::mutex loading;
        std::shared_ptr<room> opened;
    };
    std::map<std::int64_t, std::shared_ptr<slot>> snapshot() const;

    room_clock clock_;
    mutable std::mutex mutex_;
    std::map<std::int64_t, std::shared_ptr<slot>> rooms_;
};

}  // namespace festival::server
