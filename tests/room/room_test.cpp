// The room in memory, driven through its WebSocket sessions with recording peers, on a test catalog
// (SQLite, or PostgreSQL under FESTIVAL_TEST_POSTGRESQL), with a clock the tests move.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "catalog/clock.hpp"
#include "catalog/room_log.hpp"
#include "server/room/room_registry.hpp"
#include "tests/room/room_peers.hpp"
#include "tests/support/test_catalog.hpp"

using festival::testing::room_client;
using nlohmann::json;
namespace catalog = festival::catalog;
namespace server = festival::server;

namespace {

struct room_fixture {
    catalog::database db = festival::test::open_fresh_catalog();
    std::atomic<std::int64_t> now_ms{catalog::unix_now() * 1000};
    server::room_registry registry{[this] { return now_ms.load(); }};
    std::int64_t premiere_id;
    std::shared_ptr<server::room> room;

    // A premiere an hour away: the room is open for chat before the film.
    explicit room_fixture(std::int64_t starts_in = 3600)
        : premiere_id(festival::testing::add_premiere(db, now_ms / 1000, starts_in)),
          room(registry.open(db, premiere_id)) {
        REQUIRE(room);
    }
    void advance_seconds(int seconds) { now_ms += seconds * 1000; }
    catalog::room_message stored(std::int64_t seq) {
        for (auto& m : catalog::room_messages(db, premiere_id))
            if (m.seq == seq) return m;
        FAIL("message " << seq << " was not stored");
        return {};
    }
};

std::vector<std::int64_t> seqs_of(const std::vector<json>& messages) {
    std::vector<std::int64_t> seqs;
    for (const auto& m : messages) seqs.push_back(m["seq"].get<std::int64_t>());
    return seqs;
}

}  // namespace

TEST_CASE("500 participants each receive every chat message of a burst from several senders, in seq order") {
    room_fixture f;
    constexpr int listeners = 500, senders = 20, each = 5;
    std::vector<std::unique_ptr<room_client>> clients;
    for (int i = 0; i < listeners; ++i) {
        clients.push_back(std::make_unique<room_client>(f.room, i));
        clients.back()->hello(i < senders ? "sender " + std::to_string(i) : "");
    }
    CHECK(f.room->count() == listeners);
    // Senders on four threads at once, as four I/O threads would deliver them.
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&clients, t] {
            for (int k = 0; k < each; ++k)
                for (int s = t; s < senders; s += 4) clients[s]->say("message " + std::to_string(k) + " from " + std::to_string(s));
        });
    for (auto& thread : threads) thread.join();
    const auto first = seqs_of(clients[0]->peer->received("message"));
    REQUIRE(first.size() == senders * each);
    for (std::size_t i = 1; i < first.size(); ++i) CHECK(first[i] == first[i - 1] + 1);  // none missing
    for (const auto& c : clients) {
        CHECK(c->errors().empty());
        CHECK(seqs_of(c->peer->received("message")) == first);
    }
    // Every peer was handed the same string, built once.
    CHECK(clients[1]->peer->raw().back() == clients[499]->peer->raw().back());
}

TEST_CASE("a muted participant's messages reach nobody else, echo to them alone and are stored muted, and moderators joining later know") {
    room_fixture f;
    room_client moderator(f.room, 1, "session:1"), loud(f.room, 2), other(f.room, 3);
    moderator.hello("Modération");
    loud.hello("Loud");
    other.hello("Other");
    moderator.send({{"type", "mute"}, {"id", loud.id()}});
    CHECK(loud.peer->received("muted").at(0)["muted"] == true);
    CHECK(moderator.peer->received("muted").at(0)["id"] == loud.id());
    CHECK(other.peer->received("muted").empty());
    loud.say("buy my stuff");
    const auto echoed = loud.peer->received("message");
    REQUIRE(echoed.size() == 1);
    CHECK(echoed[0]["text"] == "buy my stuff");
    CHECK(other.peer->received("message").empty());
    CHECK(moderator.peer->received("message").empty());
    // A newcomer's history leaves it out too; the author's own history keeps it.
    room_client late(f.room, 4);
    late.hello();
    CHECK(late.welcome()["messages"].empty());
    room_client loud_again(f.room, 2);
    loud_again.hello();
    CHECK(loud_again.welcome()["messages"].size() == 1);
    CHECK(loud_again.welcome()["you"]["muted"] == true);
    // A moderator joining later is told who is muted; participants are not.
    room_client late_moderator(f.room, 5, "session:1");
    late_moderator.hello("Second");
    CHECK(late_moderator.welcome()["muted"] == nlohmann::json::array({loud.id()}));
    CHECK_FALSE(late.welcome().contains("muted"));
    REQUIRE(f.registry.flush(f.db) == 0);
    CHECK(f.stored(echoed[0]["seq"]).muted);
    // Unmuted, they speak to everyone again.
    moderator.send({{"type", "unmute"}, {"id", loud.id()}});
    loud.say("sorry");
    CHECK(other.peer->received("message").size() == 1);
}

TEST_CASE("a deletion reaches everyone and is stored") {
    room_fixture f;
    room_client moderator(f.room, 1, "session:7"), a(f.room, 2), b(f.room, 3);
    moderator.hello("M");
    a.hello("A");
    b.hello("B");
    a.say("something rude");
    const auto seq = a.peer->received("message").at(0)["seq"].get<std::int64_t>();
    moderator.send({{"type", "delete"}, {"seq", seq}});
    for (auto* c : {&moderator, &a, &b}) CHECK(c->peer->received("deleted").at(0)["seq"] == seq);
    moderator.send({{"type", "delete"}, {"seq", seq + 100}});
    CHECK(moderator.last_error() == "not_found");
    room_client late(f.room, 4);
    late.hello();
    CHECK(late.welcome()["messages"].empty());
    REQUIRE(f.registry.flush(f.db) == 0);
    CHECK(f.stored(seq).deleted_at.has_value());
    CHECK(f.stored(seq).deleted_by == "session:7");
}

TEST_CASE("each participant votes once for a question, and answered marks reach everyone") {
    room_fixture f;
    room_client moderator(f.room, 1, "session:1"), asker(f.room, 2), fan(f.room, 3);
    moderator.hello("M");
    asker.hello("Asker");
    fan.hello();
    asker.send({{"type", "ask"}, {"text", "Why the long take?"}});
    const auto question = fan.peer->received("question").at(0);
    CHECK(question["votes"] == 0);
    CHECK(question["answered"] == false);
    const auto seq = question["seq"].get<std::int64_t>();
    fan.send({{"type", "vote"}, {"seq", seq}});
    fan.send({{"type", "vote"}, {"seq", seq}});
    CHECK(fan.last_error() == "invalid_message");
    asker.send({{"type", "vote"}, {"seq", seq}});
    CHECK(fan.peer->received("question").back()["votes"] == 2);
    fan.send({{"type", "vote"}, {"seq", 999}});
    CHECK(fan.last_error() == "not_found");
    moderator.send({{"type", "answered"}, {"seq", seq}});
    CHECK(asker.peer->received("question").back()["answered"] == true);
    REQUIRE(f.registry.flush(f.db) == 0);
    CHECK(f.stored(seq).votes == 2);
    CHECK(f.stored(seq).answered_at.has_value());
}

TEST_CASE("slow mode and the rate limit refuse with retry_after, and moderators are exempt") {
    room_fixture f;
    room_client moderator(f.room, 1, "session:1"), viewer(f.room, 2);
    moderator.hello("M");
    viewer.hello("V");
    for (int i = 0; i < 5; ++i) viewer.say("hello " + std::to_string(i));
    CHECK(viewer.errors().empty());
    viewer.say("one too many");
    REQUIRE(viewer.last_error() == "rate_limited");
    CHECK(viewer.errors().back()["retry_after"] == 10);
    f.advance_seconds(4);
    viewer.say("still too many");
    CHECK(viewer.errors().back()["retry_after"] == 6);
    f.advance_seconds(6);
    viewer.say("allowed again");
    CHECK(viewer.errors().size() == 2);
    for (int i = 0; i < 8; ++i) moderator.say("moderators are not limited " + std::to_string(i));
    CHECK(moderator.errors().empty());

    moderator.send({{"type", "slow"}, {"seconds", 30}});
    CHECK(viewer.peer->received("slow").at(0)["seconds"] == 30);
    f.advance_seconds(30);  // 30 s after their last message
    viewer.say("slowly");
    CHECK(viewer.errors().size() == 2);
    f.advance_seconds(10);
    viewer.say("too soon");
    REQUIRE(viewer.last_error() == "slow_mode");
    CHECK(viewer.errors().back()["retry_after"] == 20);
    moderator.send({{"type", "slow"}, {"seconds", 301}});
    CHECK(moderator.last_error() == "invalid_message");
    REQUIRE(f.registry.flush(f.db) == 0);
    room_client late(f.room, 3);
    late.hello();
    CHECK(late.welcome()["slow_seconds"] == 30);
}

TEST_CASE("texts too long, empty or with control characters are refused, and hostile HTML goes out and is stored verbatim") {
    room_fixture f;
    room_client a(f.room, 1), b(f.room, 2);
    a.hello("A");
    b.hello("B");
    a.say(std::string(501, 'x'));
    CHECK(a.last_error() == "too_long");
    std::string five_hundred;
    for (int i = 0; i < 500; ++i) five_hundred += "é";  // 500 characters, 1000 bytes
    a.say(five_hundred);
    CHECK(a.errors().size() == 1);
    a.send({{"type", "ask"}, {"text", std::string(301, 'q')}});
    CHECK(a.last_error() == "too_long");
    a.say("   ");
    CHECK(a.last_error() == "empty");
    a.say(std::string("bell\x07"));
    CHECK(a.last_error() == "invalid_message");
    a.send({{"type", "say"}});
    CHECK(a.last_error() == "invalid_message");
    a.socket->on_message("not json");
    CHECK(a.last_error() == "invalid_message");
    a.send({{"type", "dance"}});
    CHECK(a.last_error() == "invalid_message");
    const std::string hostile = "<img src=x onerror=alert(1)></script><b>\"&amp;";
    a.say(hostile);
    const auto got = b.peer->received("message");
    REQUIRE(got.size() == 2);
    CHECK(got[0]["text"] == five_hundred);
    CHECK(got[1]["text"] == hostile);
    CHECK(b.peer->raw().back()->find("<img src=x onerror=alert(1)></script>") != std::string::npos);
    REQUIRE(f.registry.flush(f.db) == 0);
    CHECK(f.stored(got[1]["seq"]).text == hostile);
}

TEST_CASE("nothing before hello, and a name is needed to speak, not to read") {
    room_fixture f;
    room_client a(f.room, 1), b(f.room, 2);
    a.say("too early");
    CHECK(a.last_error() == "hello_first");
    a.send({{"type", "hello"}, {"participant", "not hex"}});
    CHECK(a.last_error() == "invalid_message");
    a.send({{"type", "hello"}, {"participant", a.token}, {"name", std::string(41, 'n')}});
    CHECK(a.last_error() == "too_long");
    a.send({{"type", "hello"}, {"participant", a.token}, {"name", ""}});
    CHECK(a.welcome()["you"]["name"] == "");
    a.hello();
    CHECK(a.last_error() == "invalid_message");  // once per connection
    a.say("no name yet");
    CHECK(a.last_error() == "name_required");
    a.send({{"type", "name"}, {"name", std::string(41, 'n')}});
    CHECK(a.last_error() == "too_long");
    a.send({{"type", "name"}, {"name", "Ana"}});
    a.say("now I can");
    b.hello();
    const auto seen = b.welcome()["messages"];
    REQUIRE(seen.size() == 1);
    CHECK(seen[0]["from"]["name"] == "Ana");
    CHECK(seen[0]["from"]["id"] == a.id());
    CHECK(a.id().size() == 16);
    CHECK(b.welcome()["premiere"]["id"] == f.premiere_id);
    CHECK(b.welcome()["count"] == 2);
}

TEST_CASE("moderation is refused to participants who are not moderators") {
    room_fixture f;
    room_client a(f.room, 1), b(f.room, 2);
    a.hello("A");
    b.hello("B");
    a.say("hi");
    const auto seq = a.peer->received("message").at(0)["seq"];
    const std::vector<json> moderation = {{{"type", "delete"}, {"seq", seq}}, {{"type", "mute"}, {"id", a.id()}},
                                          {{"type", "unmute"}, {"id", a.id()}}, {{"type", "slow"}, {"seconds", 10}},
                                          {{"type", "answered"}, {"seq", seq}}, {{"type", "close"}}};
    for (const auto& m : moderation) {
        b.send(m);
        CHECK(b.last_error() == "not_moderator");
    }
    CHECK(b.errors().size() == moderation.size());
    CHECK(a.peer->received("deleted").empty());
    CHECK(b.welcome()["you"]["moderator"] == false);
}

TEST_CASE("a guest moderator link moderates, and a revoked one does not, on the sockets it opened too") {
    room_fixture f;
    const auto link = catalog::create_moderator_link(f.db, f.premiere_id, "the director");
    f.registry.refresh_links(f.db, f.premiere_id);
    room_client director(f.room, 1), viewer(f.room, 2);
    director.hello("Director", link.token);
    viewer.hello("V");
    CHECK(director.welcome()["you"]["moderator"] == true);
    director.send({{"type", "slow"}, {"seconds", 5}});
    CHECK(director.errors().empty());
    CHECK(viewer.peer->received("slow").size() == 1);

    catalog::revoke_moderator_link(f.db, f.premiere_id, link.link.id);
    REQUIRE(f.registry.flush(f.db) == 0);  // the writer refreshes every room's links
    // The socket the link opened stops moderating at once, and is told so.
    CHECK(director.peer->received("welcome").back()["you"]["moderator"] == false);
    CHECK(director.last_error() == "not_moderator");
    director.send({{"type", "slow"}, {"seconds", 0}});
    CHECK(director.last_error() == "not_moderator");
    CHECK(viewer.peer->received("slow").size() == 1);  // slow mode stays as the link left it
    room_client again(f.room, 3);
    again.hello("Director", link.token);
    CHECK(again.welcome()["you"]["moderator"] == false);
    CHECK(again.last_error() == "not_moderator");
    again.send({{"type", "slow"}, {"seconds", 0}});
    CHECK(again.last_error() == "not_moderator");
    // Another premiere's link is no link here.
    const auto elsewhere = festival::testing::add_premiere(f.db, f.now_ms / 1000, 7200, 3600, 60, "autre");
    const auto other_link = catalog::create_moderator_link(f.db, elsewhere, "someone else");
    room_client stranger(f.room, 4);
    stranger.hello("S", other_link.token);
    CHECK(stranger.welcome()["you"]["moderator"] == false);
}

TEST_CASE("a closed connection leaves the count at once, and the count goes out at the next tick") {
    room_fixture f;
    room_client a(f.room, 1), b(f.room, 2), c(f.room, 3), a_second_tab(f.room, 1);
    for (auto* x : {&a, &b, &c, &a_second_tab}) x->hello();
    CHECK(f.room->count() == 3);  // people, not tabs
    f.room->tick();
    CHECK(a.peer->received("count").back()["count"] == 3);
    c.socket->on_close();
    CHECK(f.room->count() == 2);
    a_second_tab.socket->on_close();
    CHECK(f.room->count() == 2);
    f.room->tick();
    CHECK(b.peer->received("count").back()["count"] == 2);
    const auto counts = b.peer->received("count").size();
    f.room->tick();
    CHECK(b.peer->received("count").size() == counts);  // unchanged: not sent again
    c.say("gone");
    CHECK(b.peer->received("message").empty());
    REQUIRE(f.registry.flush(f.db) == 0);
    const auto premiere = catalog::find_premiere(f.db, f.premiere_id);
    CHECK(premiere->peak_participants == 3);
    CHECK(premiere->total_participants == 3);
    room_client d(f.room, 4);
    d.hello();
    CHECK(d.welcome()["premiere"]["attendance"]["peak"] == 3);
    CHECK(d.welcome()["premiere"]["attendance"]["total"] == 4);
}

TEST_CASE("the clock goes out every 5 seconds and at each phase change, and a closed room is read-only") {
    room_fixture f(10);  // the film starts in 10 s
    room_client moderator(f.room, 1, "session:1"), viewer(f.room, 2);
    moderator.hello("M");
    viewer.hello("V");
    f.room->tick();
    CHECK(viewer.peer->received("clock").back()["phase"] == "scheduled");
    f.advance_seconds(1);
    f.room->tick();
    CHECK(viewer.peer->received("clock").size() == 1);
    f.advance_seconds(4);
    f.room->tick();
    CHECK(viewer.peer->received("clock").size() == 2);
    f.advance_seconds(5);
    f.room->tick();
    CHECK(viewer.peer->received("clock").back()["phase"] == "screening");
    CHECK(viewer.peer->received("clock").back()["now"] == f.now_ms.load());
    moderator.send({{"type", "close"}});
    CHECK(viewer.peer->received("clock").back()["phase"] == "ended");
    viewer.say("anyone?");
    CHECK(viewer.last_error() == "room_closed");
    REQUIRE(f.registry.flush(f.db) == 0);
    CHECK(catalog::find_premiere(f.db, f.premiere_id)->closed_at.has_value());
    // Empty and ended: the registry lets it go once written.
    for (auto* x : {&moderator, &viewer}) x->socket->on_close();
    REQUIRE(f.registry.flush(f.db) == 0);
    CHECK(f.registry.open_rooms() == 0);
}

TEST_CASE("a new registry on the same catalog continues seq and keeps messages, questions, votes and mutes") {
    room_fixture f;
    std::string loud_id;
    std::int64_t question_seq = 0, last_seq = 0;
    {
        room_client moderator(f.room, 1, "session:1"), loud(f.room, 2), fan(f.room, 3);
        moderator.hello("M");
        loud.hello("Loud");
        fan.hello("Fan");
        loud_id = loud.id();
        fan.say("first");
        fan.send({{"type", "ask"}, {"text", "A question?"}});
        question_seq = fan.peer->received("question").at(0)["seq"];
        loud.send({{"type", "vote"}, {"seq", question_seq}});
        moderator.send({{"type", "mute"}, {"id", loud_id}});
        fan.say("last");
        last_seq = fan.peer->received("message").back()["seq"];
        for (auto* x : {&moderator, &loud, &fan}) x->socket->on_close();
    }
    REQUIRE(f.registry.flush(f.db) == 0);

    server::room_registry restarted([&f] { return f.now_ms.load(); });
    auto reopened = restarted.open(f.db, f.premiere_id);
    REQUIRE(reopened);
    room_client loud(reopened, 2), fan(reopened, 3);
    loud.hello();
    fan.hello();
    const auto welcome = fan.welcome();
    CHECK(seqs_of(welcome["messages"].get<std::vector<json>>()) == std::vector<std::int64_t>{question_seq - 1, last_seq});
    REQUIRE(welcome["questions"].size() == 1);
    CHECK(welcome["questions"][0]["votes"] == 1);
    CHECK(welcome["you"]["name"] == "Fan");  // kept with the participant
    CHECK(loud.welcome()["you"]["muted"] == true);
    loud.send({{"type", "vote"}, {"seq", question_seq}});
    CHECK(loud.last_error() == "invalid_message");  // voted before the restart
    fan.say("after the restart");
    CHECK(fan.peer->received("message").back()["seq"] == last_seq + 1);
    loud.say("still muted");
    CHECK(fan.peer->received("message").size() == 1);
}

TEST_CASE("the export lists every message, muted and deleted included") {
    room_fixture f;
    room_client moderator(f.room, 1, "session:1"), loud(f.room, 2), fan(f.room, 3);
    moderator.hello("M");
    loud.hello("=HYPERLINK(\"x\")");
    fan.hello("Fan");
    fan.say("kept");
    fan.say("deleted later");
    moderator.send({{"type", "delete"}, {"seq", fan.peer->received("message").back()["seq"]}});
    moderator.send({{"type", "mute"}, {"id", loud.id()}});
    loud.say("muted words");
    fan.send({{"type", "ask"}, {"text", "Q?"}});
    REQUIRE(f.registry.flush(f.db) == 0);
    const auto exported = catalog::room_export_json(f.db, f.premiere_id)["messages"];
    REQUIRE(exported.size() == 4);
    CHECK(exported[0]["text"] == "kept");
    CHECK(exported[1]["deleted"] == true);
    CHECK(exported[2]["muted"] == true);
    CHECK(exported[2]["name"] == "=HYPERLINK(\"x\")");
    CHECK(exported[2]["id"] == loud.id());
    CHECK(exported[3]["kind"] == "question");
    const auto csv = catalog::room_export_csv(f.db, f.premiere_id);
    CHECK(csv.find("muted words") != std::string::npos);
    CHECK(csv.find("deleted later") != std::string::npos);
    CHECK(csv.find("\"'=HYPERLINK(\"\"x\"\")\"") != std::string::npos);  // guarded against formulas
}
