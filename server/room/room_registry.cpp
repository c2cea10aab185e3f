#include "server/room/room_registry.hpp"

#include <exception>

#include "catalog/database.hpp"
#include "catalog/premieres.hpp"
#include "catalog/room_log.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

bool premiere_gone(catalog::database& db, std::int64_t id) {
    try {
        return !catalog::find_premiere(db, id);
    } catch (const std::exception&) {
        return false;  // the catalog is unreachable: keep the changes for later
    }
}

}  // namespace

room_registry::room_registry(room_clock clock) : clock_(std::move(clock)) {}

std::shared_ptr<room> room_registry::open(catalog::database& db, std::int64_t premiere_id) {
    std::shared_ptr<slot> place;
    {
        std::lock_guard lock(mutex_);
        auto& held = rooms_[premiere_id];
        if (!held) held = std::make_shared<slot>();
        place = held;
    }
    // One load per room: a second connection arriving meanwhile waits for the first's.
    std::lock_guard loading(place->loading);
    if (place->opened) return place->opened;
    auto premiere = catalog::find_premiere(db, premiere_id);
    if (!premiere) {
        std::lock_guard lock(mutex_);
        if (rooms_[premiere_id] == place) rooms_.erase(premiere_id);
        return nullptr;
    }
    auto snapshot = catalog::load_room(db, premiere_id, room_limits::chat_history);
    place->opened = std::make_shared<room>(std::move(*premiere), std::move(snapshot),
                                           catalog::active_moderator_link_hashes(db, premiere_id), clock_);
    log_event("room_opened", {{"premiere", premiere_id}});
    return place->opened;
}

std::shared_ptr<room> room_registry::find(std::int64_t premiere_id) const {
    std::shared_ptr<slot> place;
    {
        std::lock_guard lock(mutex_);
        const auto found = rooms_.find(premiere_id);
        if (found == rooms_.end()) return nullptr;
        place = found->second;
    }
    std::lock_guard loading(place->loading);
    return place->opened;
}

std::map<std::int64_t, std::shared_ptr<room_registry::slot>> room_registry::snapshot() const {
    std::lock_guard lock(mutex_);
    return rooms_;
}

void room_registry::tick() {
    for (const auto& [id, place] : snapshot()) {
        if (auto r = find(id)) r->tick();
    }
}

int room_registry::flush(catalog::database& db) {
    int failed = 0;
    for (const auto& [id, place] : snapshot()) {
        auto r = find(id);
        if (!r) continue;
        auto changes = r->take_changes();
        try {
            catalog::write_room_batch(db, id, changes);
            r->set_moderator_links(catalog::active_moderator_link_hashes(db, id));
        } catch (const std::exception& e) {
            ++failed;
            log_event("room_write_failed", {{"premiere", id}, {"what", e.what()}});
            if (premiere_gone(db, id)) {  // cancelled while open: nothing left to write to
                std::lock_guard lock(mutex_);
                rooms_.erase(id);
            } else {
                r->give_back(std::move(changes));
            }
            continue;
        }
        if (r->empty_and_ended()) {
            std::lock_guard lock(mutex_);
            const auto found = rooms_.find(id);
            if (found != rooms_.end() && found->second == place) rooms_.erase(found);
            log_event("room_dropped", {{"premiere", id}});
        }
    }
    return failed;
}

void room_registry::refresh_links(catalog::database& db, std::int64_t premiere_id) {
    if (auto r = find(premiere_id)) r->set_moderator_links(catalog::active_moderator_link_hashes(db, premiere_id));
}

std::size_t room_registry::open_rooms() const {
    std::lock_guard lock(mutex_);
    return rooms_.size();
}

}  // namespace festival::server
