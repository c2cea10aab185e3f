#include <doctest/doctest.h>

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/premieres.hpp"
#include "catalog/room_log.hpp"
#include "tests/catalog/premiere_rows.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;
using festival::testing::add_premiere_row;

namespace {

room_message said(std::int64_t seq, room_message_kind kind, const std::string& who, const std::string& text,
                  bool muted = false) {
    room_message m;
    m.seq = seq;
    m.kind = kind;
    m.participant = who;
    m.display_name = "name of " + who.substr(0, 4);
    m.text = text;
    m.said_at_ms = 1'900'000'000'123 + seq;
    m.muted = muted;
    return m;
}

}  // namespace

TEST_CASE("a room's batch is written and loaded back: messages, votes, deletions, answers, mutes, attendance") {
    auto db = festival::test::open_fresh_catalog();
    const auto id = add_premiere_row(db);
    const auto ana = token_hash("ana"), ben = token_hash("ben");
    room_batch batch;
    batch.participants = {{ana, "", "2030-01-01T19:50:00Z", false}, {ben, "Ben", "2030-01-01T19:51:00Z", false},
                          {ana, "Ana", "2030-01-01T19:50:00Z", false}};  // named after first seen
    for (int i = 1; i <= 250; ++i) batch.messages.push_back(said(i, room_message_kind::chat, ana, "chat " + std::to_string(i)));
    batch.messages.push_back(said(251, room_message_kind::question, ben, "why?"));
    batch.messages.push_back(said(252, room_message_kind::question, ana, "deleted question"));
    batch.messages.push_back(said(253, room_message_kind::chat, ben, "muted words", true));
    batch.votes = {{251, ana}, {251, ben}, {251, ana}};
    batch.deletions = {{250, "2030-01-01T20:01:00Z", "session:1"}, {252, "2030-01-01T20:02:00Z", "link:3"}};
    batch.answered = {{251, "2030-01-01T21:40:00Z"}};
    batch.mutes = {{ben, true}};
    batch.attendance = {{2, 2}};
    batch.slow_seconds = 15;
    write_room_batch(db, id, batch);
    write_room_batch(db, id, room_batch{});  // nothing to do

    const auto room = load_room(db, id, 200);
    CHECK(room.max_seq == 253);
    REQUIRE(room.recent_chat.size() == 200);
    CHECK(room.recent_chat.front().seq == 51);  // 250 was deleted: 51…249 and 253
    CHECK(room.recent_chat.back().seq == 253);
    CHECK(room.recent_chat.back().muted);
    CHECK(room.recent_chat.back().said_at_ms == 1'900'000'000'123 + 253);
    REQUIRE(room.questions.size() == 1);
    CHECK(room.questions[0].votes == 2);
    CHECK(room.questions[0].answered_at == "2030-01-01T21:40:00Z");
    CHECK(room.votes.size() == 2);
    REQUIRE(room.participants.size() == 2);
    CHECK(room.participants[0].display_name == "Ana");
    CHECK_FALSE(room.participants[0].muted);
    CHECK(room.participants[1].muted);
    const auto premiere = find_premiere(db, id);
    CHECK(premiere->slow_seconds == 15);
    CHECK(premiere->peak_participants == 2);

    // Unmuted later; a retried batch counts each vote once.
    room_batch later;
    later.mutes = {{ben, false}};
    later.votes = {{251, ana}};
    write_room_batch(db, id, later);
    CHECK_FALSE(load_room(db, id, 10).participants[1].muted);
    CHECK(load_room(db, id, 10).questions[0].votes == 2);

    const auto all = room_messages(db, id);
    CHECK(all.size() == 253);
    CHECK(all[249].deleted_by == "session:1");
    const auto exported = room_export_json(db, id)["messages"];
    CHECK(exported[251]["deleted"] == true);
    CHECK(exported[251]["kind"] == "question");
    CHECK(exported[252]["muted"] == true);
    CHECK(exported[252]["id"] == ben.substr(0, 16));
}

TEST_CASE("a failed batch given back is written with the next one, in order") {
    room_batch first, second;
    first.messages.push_back(said(1, room_message_kind::chat, "a", "one"));
    first.attendance = {{1, 1}};
    second.messages.push_back(said(2, room_message_kind::chat, "a", "two"));
    second.attendance = {{3, 4}};
    first.append(std::move(second));
    REQUIRE(first.messages.size() == 2);
    CHECK(first.messages[1].text == "two");
    CHECK(first.attendance == std::pair<std::int64_t, std::int64_t>{3, 4});
    CHECK_FALSE(first.empty());
    CHECK(room_batch{}.empty());
}

TEST_CASE("guest moderator links are kept hashed, found by token for their premiere only, and revoked") {
    auto db = festival::test::open_fresh_catalog();
    const auto id = add_premiere_row(db, "one"), other = add_premiere_row(db, "two");
    CHECK_THROWS_AS(create_moderator_link(db, id, ""), catalog_error);
    CHECK_THROWS_AS(create_moderator_link(db, id, std::string(81, 'x')), catalog_error);
    const auto made = create_moderator_link(db, id, "the director");
    CHECK(made.token.size() == 64);
    auto stored = db.prepare("SELECT token_hash FROM room_moderator_links WHERE id = ?1");
    stored.bind(1, made.link.id);
    REQUIRE(stored.step());
    CHECK(stored.text("token_hash") == token_hash(made.token));
    CHECK(stored.text("token_hash") != made.token);
    stored.reset();
    CHECK(find_moderator_link(db, id, made.token)->label == "the director");
    CHECK_FALSE(find_moderator_link(db, other, made.token));
    CHECK_FALSE(find_moderator_link(db, id, "wrong"));
    CHECK(active_moderator_link_hashes(db, id).size() == 1);
    revoke_moderator_link(db, id, made.link.id);
    revoke_moderator_link(db, id, made.link.id);  // twice: still revoked
    CHECK_FALSE(find_moderator_link(db, id, made.token));
    CHECK(active_moderator_link_hashes(db, id).empty());
    const auto links = list_moderator_links(db, id);
    REQUIRE(links.size() == 1);
    CHECK(links[0].revoked_at.has_value());
    CHECK(moderator_link_to_json(links[0])["active"] == false);
    CHECK_THROWS_AS(revoke_moderator_link(db, other, made.link.id), catalog_error);
}
