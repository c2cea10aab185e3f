#pragma once
// Which node holds each premiere's room (docs/nodes.md, "Premiere rooms"): one holder per room, so a
// node that comes back during a premiere, sent newcomers by the balancer's hash again, does not open
// the room a second time beside the node that took it over. The holder renews its row every second
// (renewed_at, unix milliseconds of the holder's clock); a row not renewed within `stale_after_ms` is
// a dead node's, and the next node to claim the room takes it over.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace festival::catalog {

class database;

// True when `node` holds the room after the call: there was no holder, it was `node` already (its
// renewal is stamped `now_ms`), or the holder had not renewed since `now_ms - stale_after_ms` (taken
// over). One statement, so of two nodes claiming at once exactly one wins.
bool claim_room(database& db, std::int64_t premiere_id, const std::string& node, std::int64_t now_ms,
                std::int64_t stale_after_ms);
// Stamps `now_ms` on the rows `node` still holds among `premiere_ids` and returns those premieres: a
// room missing from the answer was taken over by another node (this one stalled too long).
std::vector<std::int64_t> renew_rooms(database& db, const std::string& node,
                                      const std::vector<std::int64_t>& premiere_ids, std::int64_t now_ms);
// Gives the room up when `node` holds it (another node's claim is left alone).
void release_room(database& db, std::int64_t premiere_id, const std::string& node);

struct room_holder {
    std::string node;
    std::int64_t renewed_at_ms = 0;
};
std::optional<room_holder> find_room_holder(database& db, std::int64_t premiere_id);

}  // namespace festival::catalog
