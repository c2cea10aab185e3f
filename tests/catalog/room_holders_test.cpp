#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "catalog/database.hpp"
#include "catalog/room_holders.hpp"
#include "catalog/schema.hpp"
#include "tests/catalog/premiere_rows.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;
using festival::testing::add_premiere_row;

namespace {

constexpr std::int64_t stale_ms = 10'000;

}  // namespace

TEST_CASE("one node holds a room: claimed, renewed, refused to another while fresh, taken over when stale") {
    auto db = festival::test::open_fresh_catalog();
    const auto room = add_premiere_row(db, "seance");
    const auto other_room = add_premiere_row(db, "autre");
    const std::int64_t t = 1'900'000'000'000;

    CHECK_FALSE(find_room_holder(db, room));
    CHECK(claim_room(db, room, "node-a", t, stale_ms));
    CHECK(claim_room(db, room, "node-a", t + 500, stale_ms));  // its own row: claimed again, stamped anew
    CHECK(find_room_holder(db, room)->renewed_at_ms == t + 500);
    CHECK_FALSE(claim_room(db, room, "node-b", t + 1000, stale_ms));  // a live holder keeps it
    CHECK(find_room_holder(db, room)->node == "node-a");
    CHECK(claim_room(db, other_room, "node-b", t + 1000, stale_ms));  // other rooms are free

    // Renewals keep node-a's claim fresh past stale_after from its first stamp.
    CHECK(renew_rooms(db, "node-a", {room, other_room}, t + 9000) == std::vector<std::int64_t>{room});
    CHECK(find_room_holder(db, other_room)->renewed_at_ms == t + 1000);  // node-b's row untouched
    CHECK_FALSE(claim_room(db, room, "node-b", t + 9000 + stale_ms, stale_ms));  // exactly stale_after: still live
    CHECK(renew_rooms(db, "node-a", {}, t + 9000).empty());

    // node-a stalls: past stale_after without renewing, node-b takes the room over.
    CHECK(claim_room(db, room, "node-b", t + 9001 + stale_ms, stale_ms));
    CHECK(find_room_holder(db, room)->node == "node-b");
    CHECK(renew_rooms(db, "node-a", {room}, t + 9002 + stale_ms).empty());  // node-a learns it lost the room
    CHECK_FALSE(claim_room(db, room, "node-a", t + 9002 + stale_ms, stale_ms));

    // Releasing: only the holder's release counts.
    release_room(db, room, "node-a");
    CHECK(find_room_holder(db, room)->node == "node-b");
    release_room(db, room, "node-b");
    CHECK_FALSE(find_room_holder(db, room));
    CHECK(claim_room(db, room, "node-a", t + 9003 + stale_ms, stale_ms));  // free again

    // Cancelling the premiere takes its holder away.
    db.prepare("DELETE FROM premieres WHERE id = ?1").bind(1, room).run();
    CHECK_FALSE(find_room_holder(db, room));
}

TEST_CASE("of nodes claiming a stale room at the same moment, exactly one wins") {
    festival::testing::temp_dir dir;
    const auto location = festival::test::fresh_catalog_location(dir.path());
    std::int64_t room = 0;
    {
        auto db = open_catalog(location);
        room = add_premiere_row(db, "seance");
        CHECK(claim_room(db, room, "dead-node", 1'000, stale_ms));
    }
    constexpr int nodes = 4;
    for (int round = 0; round < 5; ++round) {
        std::atomic<int> winners{0};
        std::vector<std::thread> claims;
        const std::int64_t now = 1'000 + (round + 1) * 2 * stale_ms;  // each round finds the last winner stale
        for (int n = 0; n < nodes; ++n) {
            claims.emplace_back([&, n, now] {
                database db(location);
                for (int attempt = 0;; ++attempt) {
                    try {
                        if (claim_room(db, room, "node-" + std::to_string(round) + "-" + std::to_string(n), now, stale_ms))
                            ++winners;
                        return;
                    } catch (const database_error&) {  // SQLite's busy lock: the claim is simply tried again
                        if (attempt > 50) throw;
                    }
                }
            });
        }
        for (auto& c : claims) c.join();
        CHECK(winners == 1);
        auto db = database(location);
        const auto holder = find_room_holder(db, room);
        REQUIRE(holder);
        CHECK(holder->node.rfind("node-" + std::to_string(round) + "-", 0) == 0);
    }
}
