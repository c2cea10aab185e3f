// Whole-run unique viewers and embedding sites in the audience ledger, with a fake clock: a play keeps
// its viewer token's slot (never the token) and its site through its row, adoption by another node and
// a restart's hand-over; only a counted view feeds the sketches (docs/statistics.md).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "catalog/audience.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/stats.hpp"
#include "catalog/viewer_sketch.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

namespace {

const std::int64_t t0 = *parse_utc("2026-06-01T10:00:00Z") * 1000;
const sketch_slot slot_a{1234, 7};
const sketch_slot slot_b{99, 2};

void beat(audience_ledger& ledger, const std::string& id, double position, double played, std::int64_t at) {
    REQUIRE(ledger.heartbeat(id, {position, played}, false, at) == heartbeat_result::accepted);
}

std::int64_t site_views(const stats_batch& batch, const std::string& site) {
    std::int64_t views = 0;
    for (const auto& [key, d] : batch.sites)
        if (std::get<2>(key) == site) views += d.views;
    return views;
}

}  // namespace

TEST_CASE("a play's viewer slot feeds the sketches once, when it becomes a counted view, and never before") {
    audience_ledger ledger;
    REQUIRE(ledger.start_play("viewed", 1, "hash-1", 600.0, t0, "", "", "", "", slot_a));
    REQUIRE(ledger.start_play("short", 2, "hash-2", 600.0, t0, "", "", "", "", slot_b));
    REQUIRE(ledger.start_play("no-token", 1, "hash-3", 600.0, t0));
    beat(ledger, "viewed", 20, 20, t0 + 20'000);
    beat(ledger, "short", 20, 20, t0 + 20'000);
    beat(ledger, "no-token", 20, 20, t0 + 20'000);
    const auto early = ledger.take_pending(t0 + 20'000);
    CHECK(early.viewer_slots.empty());  // nobody reached 30 s yet
    // The new plays' rows keep the slot, not the token.
    CHECK(early.plays.at("viewed").sketch_slot == slot_a.stored());
    CHECK_FALSE(early.plays.at("no-token").sketch_slot);
    beat(ledger, "viewed", 40, 20, t0 + 40'000);   // a view
    beat(ledger, "no-token", 40, 20, t0 + 40'000); // a view, with no token to count
    ledger.heartbeat("short", {25, 5}, true, t0 + 40'000);  // ended at 25 s: never a view
    const auto batch = ledger.take_pending(t0 + 40'000);
    REQUIRE(batch.viewer_slots.size() == 1);
    CHECK(batch.viewer_slots[0].first == 1);
    CHECK(batch.viewer_slots[0].second.index == slot_a.index);
    CHECK(batch.viewer_slots[0].second.rank == slot_a.rank);
    // More playback adds nothing more.
    beat(ledger, "viewed", 60, 20, t0 + 60'000);
    CHECK(ledger.take_pending(t0 + 60'000).viewer_slots.empty());
}

TEST_CASE("a repeat view of the same viewer hash within the hour adds no slot") {
    audience_ledger ledger;
    REQUIRE(ledger.start_play("first", 1, "hash", 600.0, t0, "", "", "", "", slot_a));
    beat(ledger, "first", 30, 30, t0 + 30'000);
    REQUIRE(ledger.start_play("reload", 1, "hash", 600.0, t0 + 31'000, "", "", "", "", slot_a));
    beat(ledger, "reload", 30, 30, t0 + 61'000);
    CHECK(ledger.take_pending(t0 + 61'000).viewer_slots.size() == 1);
}

TEST_CASE("plays, views and watch time are counted per embedding site and day, the festival's pages as \"\"") {
    audience_ledger ledger;
    REQUIRE(ledger.start_play("framed", 1, "hash-1", 600.0, t0, "", "", "FR", "https://partner.example"));
    REQUIRE(ledger.start_play("own", 1, "hash-2", 600.0, t0));
    beat(ledger, "framed", 30, 30, t0 + 30'000);
    beat(ledger, "own", 10, 10, t0 + 30'000);
    const auto batch = ledger.take_pending(t0 + 30'000);
    const auto day = day_of(t0);
    REQUIRE(batch.sites.size() == 2);
    const auto& framed = batch.sites.at({1, day, "https://partner.example"});
    CHECK(framed.plays == 1);
    CHECK(framed.views == 1);
    CHECK(framed.watch_ms == 30'000);
    const auto& own = batch.sites.at({1, day, ""});
    CHECK(own.plays == 1);
    CHECK(own.views == 0);
    CHECK(own.watch_ms == 10'000);
    CHECK(batch.plays.at("framed").site == "https://partner.example");

    auto db = festival::test::open_fresh_catalog();
    write_stats_batch(db, batch);
    const auto totals = per_site_totals(db, {});
    REQUIRE(totals.size() == 2);
    CHECK(totals[0].site == "https://partner.example");  // most views first
    CHECK(totals[0].film_id == 1);
    CHECK(totals[0].views == 1);
    CHECK(totals[1].site == "");
    CHECK(totals[1].watch_ms == 10'000);
    CHECK(film_day_site_rows(db, {day + 1, {}}).empty());
    CHECK(film_day_site_rows(db, {day, day}).size() == 2);
}

TEST_CASE("a play's site and slot survive its row: another node adopting it counts its view for both") {
    audience_rules rules;
    rules.play_row_ms = 0;
    audience_ledger a(rules), b(rules);
    REQUIRE(a.start_play("p", 4, "hash", 600.0, t0, "", "token-hash", "", "https://partner.example", slot_b));
    beat(a, "p", 10, 10, t0 + 10'000);
    auto db = festival::test::open_fresh_catalog();
    write_stats_batch(db, a.take_pending(t0 + 10'000));
    const auto row = find_play(db, "p");
    REQUIRE(row);
    CHECK(row->site == "https://partner.example");
    CHECK(row->sketch_slot == slot_b.stored());
    REQUIRE(b.adopt(*row, t0 + 20'000));
    beat(b, "p", 40, 30, t0 + 40'000);
    const auto from_b = b.take_pending(t0 + 40'000);
    REQUIRE(from_b.viewer_slots.size() == 1);
    CHECK(from_b.viewer_slots[0].first == 4);
    CHECK(from_b.viewer_slots[0].second.stored() == slot_b.stored());
    CHECK(site_views(from_b, "https://partner.example") == 1);
    write_stats_batch(db, from_b);
    CHECK(whole_run_unique_viewers(db, 4).estimate == 1);
    CHECK(whole_run_unique_viewers(db, festival_sketch).estimate == 1);
}

TEST_CASE("a restart's hand-over carries each play's site and slot, and a predecessor without them means none") {
    audience_ledger old;
    REQUIRE(old.start_play("p", 1, "hash", 600.0, t0, "", "", "", "https://partner.example", slot_a));
    auto state = old.hand_over_state();
    CHECK(state["plays"]["p"]["site"] == "https://partner.example");
    CHECK(state["plays"]["p"]["sketch_slot"] == slot_a.stored());
    audience_ledger successor;
    successor.take_over_state(state);
    beat(successor, "p", 30, 30, t0 + 30'000);
    const auto batch = successor.take_pending(t0 + 30'000);
    REQUIRE(batch.viewer_slots.size() == 1);
    CHECK(batch.viewer_slots[0].second.stored() == slot_a.stored());
    CHECK(site_views(batch, "https://partner.example") == 1);

    state["plays"]["p"].erase("site");
    state["plays"]["p"].erase("sketch_slot");
    audience_ledger from_older;
    from_older.take_over_state(state);
    beat(from_older, "p", 30, 30, t0 + 30'000);
    const auto older = from_older.take_pending(t0 + 30'000);
    CHECK(older.viewer_slots.empty());
    CHECK(site_views(older, "") == 1);
}

TEST_CASE("a batch that failed is written with the next one, slots and sites included") {
    stats_batch first, later;
    first.viewer_slots.push_back({1, slot_a});
    first.sites[{1, 20000, "https://a.example"}] = {1, 1, 1000};
    later.viewer_slots.push_back({2, slot_b});
    later.sites[{1, 20000, "https://a.example"}] = {2, 0, 500};
    CHECK_FALSE(later.empty());
    first.merge(std::move(later));
    CHECK(first.viewer_slots.size() == 2);
    CHECK(first.sites.at({1, 20000, "https://a.example"}).plays == 3);
    CHECK(first.sites.at({1, 20000, "https://a.example"}).watch_ms == 1500);
    auto db = festival::test::open_fresh_catalog();
    write_stats_batch(db, first);
    CHECK(whole_run_unique_viewers(db, festival_sketch).estimate == 2);
    CHECK(whole_run_unique_viewers(db, 1).estimate == 1);
}
