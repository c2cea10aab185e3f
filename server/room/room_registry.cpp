#include "server/room/room_registry.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <vector>

#include "catalog/database.hpp"
#include "catalog/premieres.hpp"
#include "catalog/room_holders.hpp"
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

void room_registry::set_node_name(std::string name) {
    std::lock_guard lock(mutex_);
    node_name_ = std::move(name);
}

std::shared_ptr<room> room_registry::open(catalog::database& db, std::int64_t premiere_id) {
    std::shared_ptr<slot> place;
    std::string node;
    {
        std::lock_guard lock(mutex_);
        auto& held = rooms_[premiere_id];
        if (!held) held = std::make_shared<slot>();
        place = held;
        node = node_name_;
    }
    // One load per room: a second connection arriving meanwhile waits for the first's.
    std::lock_guard loading(place->loading);
    if (place->opened) return place->opened;
    auto premiere = catalog::find_premiere(db, premiere_id);
    if (!premiere) {
        forget(premiere_id, place);
        return nullptr;
    }
    // Claimed before it is loaded: a room taken over from a holder that stopped renewing is read after
    // that holder's last write.
    if (!catalog::claim_room(db, premiere_id, node, clock_(), stale_after_ms)) {
        forget(premiere_id, place);
        const auto holder = catalog::find_room_holder(db, premiere_id);
        throw room_held_elsewhere(holder ? holder->node : "(gone meanwhile)");
    }
    try {
        auto snapshot = catalog::load_room(db, premiere_id, room_limits::chat_history);
        place->opened = std::make_shared<room>(std::move(*premiere), std::move(snapshot),
                                               catalog::active_moderator_link_hashes(db, premiere_id), clock_);
    } catch (const std::exception&) {
        forget(premiere_id, place);
        try {
            catalog::release_room(db, premiere_id, node);
        } catch (const std::exception&) {  // the claim goes stale by itself
        }
        throw;
    }
    log_event("room_opened", {{"premiere", premiere_id}, {"node", node}});
    return place->opened;
}

bool room_registry::held_elsewhere(catalog::database& db, std::int64_t premiere_id) const {
    std::string node;
    {
        std::lock_guard lock(mutex_);
        node = node_name_;
    }
    const auto holder = catalog::find_room_holder(db, premiere_id);
    return holder && holder->node != node && holder->renewed_at_ms >= clock_() - stale_after_ms;
}

void room_registry::forget(std::int64_t premiere_id, const std::shared_ptr<slot>& place) {
    std::lock_guard lock(mutex_);
    const auto found = rooms_.find(premiere_id);
    if (found != rooms_.end() && found->second == place) rooms_.erase(found);
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
    const auto rooms = snapshot();
    std::string node;
    {
        std::lock_guard lock(mutex_);
        node = node_name_;
    }
    std::vector<std::int64_t> open_ids;
    for (const auto& [id, place] : rooms)
        if (find(id)) open_ids.push_back(id);
    // Renewed first, in one statement for all rooms: a room another node took over is not written
    // (its seq numbers are that node's now).
    std::optional<std::vector<std::int64_t>> still_held;
    try {
        still_held = catalog::renew_rooms(db, node, open_ids, clock_());
    } catch (const std::exception& e) {
        log_event("room_renew_failed", {{"what", e.what()}});  // the writes below likely fail too
    }
    int failed = 0;
    for (const auto& [id, place] : rooms) {
        auto r = find(id);
        if (!r) continue;
        if (still_held && std::find(still_held->begin(), still_held->end(), id) == still_held->end()) {
            forget(id, place);
            // A cancelled premiere's claim went with it: its participants are told, not sent to reconnect.
            if (premiere_gone(db, id)) {
                log_event("room_cancelled", {{"premiere", id}, {"node", node}});
                r->close_all(cancelled_close_code, "the premiere was cancelled");
            } else {
                log_event("room_taken_over", {{"premiere", id}, {"node", node}});
                r->close_all(1012, "the room moved to another node");
            }
            continue;
        }
        auto changes = r->take_changes();
        try {
            catalog::write_room_batch(db, id, changes);
            r->set_moderator_links(catalog::active_moderator_link_hashes(db, id));
        } catch (const std::exception& e) {
            ++failed;
            log_event("room_write_failed", {{"premiere", id}, {"what", e.what()}});
            if (premiere_gone(db, id)) {  // cancelled while open: nothing left to write to
                forget(id, place);
                r->close_all(cancelled_close_code, "the premiere was cancelled");
            } else {
                r->give_back(std::move(changes));
            }
            continue;
        }
        if (r->empty_and_ended()) {
            forget(id, place);
            try {
                catalog::release_room(db, id, node);
            } catch (const std::exception& e) {  // left to go stale
                log_event("room_release_failed", {{"premiere", id}, {"what", e.what()}});
            }
            log_event("room_dropped", {{"premiere", id}});
        }
    }
    return failed;
}

void room_registry::release_all(catalog::database& db) {
    std::string node;
    {
        std::lock_guard lock(mutex_);
        node = node_name_;
    }
    for (const auto& [id, place] : snapshot()) {
        if (!find(id)) continue;
        try {
            catalog::release_room(db, id, node);
        } catch (const std::exception& e) {  // left to go stale: the next node waits stale_after_ms
            log_event("room_release_failed", {{"premiere", id}, {"what", e.what()}});
        }
    }
}

void room_registry::refresh_links(catalog::database& db, std::int64_t premiere_id) {
    if (auto r = find(premiere_id)) r->set_moderator_links(catalog::active_moderator_link_hashes(db, premiere_id));
}

std::size_t room_registry::open_rooms() const {
    std::lock_guard lock(mutex_);
    return rooms_.size();
}

}  // namespace festival::server
