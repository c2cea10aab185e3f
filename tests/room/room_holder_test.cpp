// One node holds a room: registries of two nodes on one catalog never both open it; a node that
// stopped renewing is taken over, and learns it at its next flush (docs/nodes.md, "Premiere rooms").
#include <doctest/doctest.h>

#include <atomic>

#include "catalog/clock.hpp"
#include "catalog/premieres.hpp"
#include "catalog/room_holders.hpp"
#include "catalog/room_log.hpp"
#include "server/room/room_registry.hpp"
#include "tests/room/room_peers.hpp"
#include "tests/support/test_catalog.hpp"

using festival::testing::room_client;
namespace catalog = festival::catalog;
namespace server = festival::server;

namespace {

struct two_nodes {
    catalog::database db = festival::test::open_fresh_catalog();
    std::atomic<std::int64_t> now_ms{catalog::unix_now() * 1000};
    server::room_registry a{[this] { return now_ms.load(); }};
    server::room_registry b{[this] { return now_ms.load(); }};
    std::int64_t premiere_id = festival::testing::add_premiere(db, now_ms / 1000, 3600);
    two_nodes() {
        a.set_node_name("node-a");
        b.set_node_name("node-b");
    }
    std::vector<std::int64_t> stored_seqs() {
        std::vector<std::int64_t> seqs;
        for (const auto& m : catalog::room_messages(db, premiere_id)) seqs.push_back(m.seq);
        return seqs;
    }
};

}  // namespace

TEST_CASE("two nodes on one catalog never both open a room: the second is refused while the holder renews") {
    two_nodes f;
    auto held = f.a.open(f.db, f.premiere_id);
    REQUIRE(held);
    CHECK(f.a.open(f.db, f.premiere_id) == held);  // the holder opens it again at will
    CHECK_THROWS_AS(f.b.open(f.db, f.premiere_id), server::room_held_elsewhere);
    CHECK(f.b.open_rooms() == 0);  // nothing left open on the refused node
    CHECK_FALSE(f.b.find(f.premiere_id));
    CHECK(f.b.held_elsewhere(f.db, f.premiere_id));
    CHECK_FALSE(f.a.held_elsewhere(f.db, f.premiere_id));

    // Renewed by every flush: well past stale_after the holder still holds it.
    for (int second = 0; second < 12; ++second) {
        f.now_ms += 1000;
        REQUIRE(f.a.flush(f.db) == 0);
        CHECK_THROWS_AS(f.b.open(f.db, f.premiere_id), server::room_held_elsewhere);
    }
    CHECK(catalog::find_room_holder(f.db, f.premiere_id)->node == "node-a");

    // A clean stop releases it: the other node opens it at once.
    f.a.release_all(f.db);
    CHECK_FALSE(catalog::find_room_holder(f.db, f.premiere_id));
    CHECK(f.b.open(f.db, f.premiere_id));
    CHECK(catalog::find_room_holder(f.db, f.premiere_id)->node == "node-b");
}

TEST_CASE("a holder that stopped renewing is taken over after its last write, and closes its sockets when it learns it") {
    two_nodes f;
    auto on_a = f.a.open(f.db, f.premiere_id);
    REQUIRE(on_a);
    room_client ana(on_a, 1);
    ana.hello("Ana");
    ana.say("written by a");
    REQUIRE(f.a.flush(f.db) == 0);
    const std::int64_t written_seq = ana.peer->received("message").back()["seq"];

    // node-a stalls (no flush) for longer than stale_after: node-b takes the room over and loads what
    // node-a wrote last.
    f.now_ms += server::room_registry::stale_after_ms - 1;
    CHECK_THROWS_AS(f.b.open(f.db, f.premiere_id), server::room_held_elsewhere);  // not stale yet
    f.now_ms += 2;
    auto on_b = f.b.open(f.db, f.premiere_id);
    REQUIRE(on_b);
    room_client ben(on_b, 2);
    ben.hello("Ben");
    REQUIRE(ben.welcome()["messages"].size() == 1);
    CHECK(ben.welcome()["messages"][0]["text"] == "written by a");
    ben.say("said on b");
    const std::int64_t b_seq = ben.peer->received("message").back()["seq"];
    CHECK(b_seq == written_seq + 1);

    // node-a wakes up: what it said meanwhile carries a seq node-b gives too; its flush finds the
    // room taken, writes nothing of it, closes its connections with 1012 (they reconnect to node-b)
    // and drops the room.
    ana.say("said on a while stalled");
    CHECK(ana.peer->received("message").back()["seq"] == b_seq);
    CHECK(f.a.flush(f.db) == 0);
    CHECK(ana.peer->close_code() == 1012);
    CHECK(f.a.open_rooms() == 0);
    CHECK_THROWS_AS(f.a.open(f.db, f.premiere_id), server::room_held_elsewhere);
    REQUIRE(f.b.flush(f.db) == 0);
    const auto stored = catalog::room_messages(f.db, f.premiere_id);
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].text == "written by a");
    CHECK(stored[1].text == "said on b");  // seq b_seq is node-b's message, never node-a's
    CHECK(ben.peer->close_code() == 0);
    for (auto* c : {&ana, &ben}) c->socket->on_close();
}

TEST_CASE("a room dropped when ended and empty gives its claim up") {
    two_nodes f;
    auto r = f.a.open(f.db, f.premiere_id);
    REQUIRE(r);
    REQUIRE(catalog::find_room_holder(f.db, f.premiere_id));
    f.now_ms += (3600 + 2 * 3600 + 60) * 1000LL;  // past the film (an hour) and its Q&A
    REQUIRE(f.a.flush(f.db) == 0);
    CHECK(f.a.open_rooms() == 0);
    CHECK_FALSE(catalog::find_room_holder(f.db, f.premiere_id));
}

TEST_CASE("cancelling a premiere whose room is open closes its sockets with 4404 at the next flush") {
    two_nodes f;
    auto r = f.a.open(f.db, f.premiere_id);
    REQUIRE(r);
    room_client ana(r, 1);
    ana.hello("Ana");
    REQUIRE(f.a.flush(f.db) == 0);
    catalog::cancel_premiere(f.db, f.premiere_id);
    CHECK(ana.peer->close_code() == 0);  // not before the flush learns it
    f.a.flush(f.db);
    CHECK(ana.peer->close_code() == server::room_registry::cancelled_close_code);
    CHECK(f.a.open_rooms() == 0);
    ana.socket->on_close();
}
