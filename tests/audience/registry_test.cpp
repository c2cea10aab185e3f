// The server's audience registry with a fake clock: viewer hashes, bindings and batches that survive
// a failed write.
#include <doctest/doctest.h>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/schema.hpp"
#include "catalog/stats.hpp"
#include "server/audience/audience_registry.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival;

namespace {

struct fake_clock_registry {
    std::int64_t now = *catalog::parse_utc("2026-06-01T23:59:00Z") * 1000;
    server::audience_registry registry{[this] {
        server::audience_settings s;
        s.clock = [this] { return now; };
        return s;
    }()};
};

}  // namespace

TEST_CASE("viewer hashes are stable within a day, differ across days, films and viewers, and never hold the address") {
    server::daily_viewer_hasher hasher;
    const auto a = hasher.hash("192.0.2.7", "Firefox", 20000, 1);
    CHECK(a.size() == 32);
    CHECK(a.find("192.0.2.7") == std::string::npos);
    CHECK(hasher.hash("192.0.2.7", "Firefox", 20000, 1) == a);
    CHECK(hasher.hash("192.0.2.7", "Firefox", 20001, 1) != a);
    CHECK(hasher.hash("192.0.2.7", "Firefox", 20000, 2) != a);
    CHECK(hasher.hash("192.0.2.8", "Firefox", 20000, 1) != a);
    CHECK(hasher.hash("192.0.2.7", "Chromium", 20000, 1) != a);
    server::daily_viewer_hasher restarted;  // a new process draws new salts
    CHECK(restarted.hash("192.0.2.7", "Firefox", 20000, 1) != a);
}

TEST_CASE("a play is bound to its viewer and film, also across midnight") {
    fake_clock_registry f;
    const server::audience_registry::viewer viewer{"192.0.2.7", "Firefox", ""};
    const auto id = f.registry.start_play(3, 600.0, viewer).id;
    REQUIRE_FALSE(id.empty());
    f.now += 120'000;  // the next day (UTC) has begun
    CHECK(f.registry.heartbeat(id, {10, 10}, false, viewer, std::nullopt, std::nullopt) == server::play_outcome::accepted);
    CHECK(f.registry.heartbeat(id, {10, 10}, false, {"192.0.2.7", "Chromium", ""}, std::nullopt, std::nullopt) ==
          server::play_outcome::not_yours);
    CHECK(f.registry.heartbeat(id, {10, 10}, false, viewer, 4, std::nullopt) == server::play_outcome::other_film);
    CHECK(f.registry.heartbeat("0123456789abcdef0123456789abcdef", {10, 10}, false, viewer, std::nullopt,
                               std::nullopt) == server::play_outcome::unknown);
    CHECK(f.registry.live().total == 1);
}

TEST_CASE("a batch that could not be written is written with the next one") {
    testing::temp_dir dir;
    const auto path = festival::test::fresh_catalog_location(dir.path());
    fake_clock_registry f;
    const server::audience_registry::viewer viewer{"192.0.2.7", "Firefox", ""};
    const auto id = f.registry.start_play(1, 600.0, viewer).id;
    f.now += 10'000;
    REQUIRE(f.registry.heartbeat(id, {10, 10}, false, viewer, std::nullopt, std::nullopt) == server::play_outcome::accepted);
    catalog::database db(path);
    CHECK_THROWS_AS(f.registry.flush(db), catalog::database_error);  // no tables yet: the write fails
    catalog::migrate(db);
    f.now += 10'000;
    REQUIRE(f.registry.heartbeat(id, {20, 10}, false, viewer, std::nullopt, std::nullopt) == server::play_outcome::accepted);
    f.registry.flush(db);
    const auto totals = catalog::festival_totals(db, {});
    CHECK(totals.plays == 1);
    CHECK(totals.watch_ms == 20'000);
    CHECK(totals.unique_viewers == 1);
    f.registry.flush(db, true);
    CHECK(catalog::find_play(db, id)->credited_ms == 20'000);
    CHECK(catalog::festival_totals(db, {}).watch_ms == 20'000);  // nothing written twice
}

TEST_CASE("a registry handed over stops counting, and its successor counts on exactly from its state") {
    testing::temp_dir dir;
    catalog::database db(festival::test::fresh_catalog_location(dir.path()));
    catalog::migrate(db);
    fake_clock_registry old, successor;
    successor.now = old.now;
    const server::audience_registry::viewer viewer{"192.0.2.7", "Firefox", "BE"};
    const server::audience_registry::viewer elsewhere{"192.0.2.9", "Firefox", ""};
    const auto unknown_id = old.registry.start_play(2, 600.0, elsewhere).id;
    REQUIRE_FALSE(unknown_id.empty());
    const auto id = old.registry.start_play(1, 600.0, viewer).id;
    old.now += 20'000;
    REQUIRE(old.registry.heartbeat(id, {20, 20}, false, viewer, std::nullopt, std::nullopt) ==
            server::play_outcome::accepted);

    const auto state = old.registry.hand_over(db);  // writes what the old one counted
    // From now on the old one sends clients on to the successor, changing nothing.
    CHECK(old.registry.heartbeat(id, {25, 5}, false, viewer, std::nullopt, std::nullopt) == server::play_outcome::moved);
    CHECK(old.registry.start_play(1, 600.0, viewer).moved);
    old.registry.flush(db, true);
    CHECK(catalog::find_play(db, id)->credited_ms == 20'000);

    successor.registry.take_over(state);
    successor.now = old.now + 15'000;
    // The view threshold (30 s) is reached with the time credited before the hand-over.
    CHECK(successor.registry.heartbeat(id, {35, 15}, false, viewer, std::nullopt, std::nullopt) ==
          server::play_outcome::accepted);
    CHECK(successor.registry.heartbeat(id, {35, 0}, false, {"192.0.2.7", "Chromium", "BE"}, std::nullopt,
                                       std::nullopt) == server::play_outcome::not_yours);  // another agent, another viewer
    // The country is the play's, from its start: a heartbeat from elsewhere does not move it.
    CHECK(successor.registry.heartbeat(unknown_id, {12, 12}, false, {"192.0.2.9", "Firefox", "FR"}, std::nullopt,
                                       std::nullopt) == server::play_outcome::accepted);
    const auto again = successor.registry.start_play(1, 600.0, viewer);  // the same viewer again
    REQUIRE(again.result);
    successor.registry.flush(db, true);
    const auto totals = catalog::festival_totals(db, {});
    CHECK(totals.plays == 3);
    CHECK(totals.unique_viewers == 2);
    CHECK(totals.views == 1);
    CHECK(totals.watch_ms == 47'000);
    // The countries came through the hand-over: Belgium's plays, view and watch time, and the unknown one's.
    const auto countries = catalog::per_country_totals(db, {});
    REQUIRE(countries.size() == 2);
    CHECK(countries[0].country == "BE");
    CHECK(countries[0].plays == 2);
    CHECK(countries[0].views == 1);
    CHECK(countries[0].watch_ms == 35'000);
    CHECK(countries[1].country == "");
    CHECK(countries[1].plays == 1);
    CHECK(countries[1].views == 0);
    CHECK(countries[1].watch_ms == 12'000);
    CHECK(catalog::find_play(db, id)->credited_ms == 35'000);
    CHECK(catalog::find_play(db, id)->reached_view);
}

TEST_CASE("on a shared catalog a node that has not read the day's key yet reads it at a play start, so the play stays its viewer's") {
    auto db = festival::test::open_fresh_catalog();
    std::int64_t now = *catalog::parse_utc("2026-06-01T10:00:00Z") * 1000;
    server::audience_settings settings;
    settings.clock = [&now] { return now; };
    settings.shared_catalog = true;
    server::audience_registry registry(settings);
    registry.join_nodes(db, "node-a");  // reads the keys of yesterday, today and tomorrow
    now += 2 * 86'400'000;               // a day its writer has not synced yet
    const server::audience_registry::viewer viewer{"192.0.2.7", "Firefox", ""};
    const auto id = registry.start_play(3, 600.0, viewer, &db).id;
    REQUIRE_FALSE(id.empty());
    now += 1'000;
    registry.sync_nodes(db);  // the writer's next read of the catalog's keys (its last was two days ago)
    CHECK(registry.heartbeat(id, {10, 10}, false, viewer, std::nullopt, std::nullopt) == server::play_outcome::accepted);
}
