// The audience ledger and the statistics it stores, with a fake clock: the definitions of
// docs/statistics.md checked on plain numbers.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "catalog/audience.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/schema.hpp"
#include "catalog/stats.hpp"
#include "tests/support/catalog_before_step.hpp"
#include "tests/support/test_catalog.hpp"
#include "tests/audience/scenario.hpp"

using namespace festival::catalog;

namespace {

const std::int64_t t0 = *parse_utc("2026-06-01T10:00:00Z") * 1000;

std::int64_t credit(audience_ledger& ledger, const std::string& id, double position, double played, std::int64_t at) {
    heartbeat_credit c;
    REQUIRE(ledger.heartbeat(id, {position, played}, false, at, &c) == heartbeat_result::accepted);
    return c.credited_ms;
}

}  // namespace

TEST_CASE("played seconds are capped by the wall time since the previous heartbeat and since the start") {
    audience_ledger ledger;
    ledger.start_play("p", 1, "viewer", 600.0, t0);
    CHECK(credit(ledger, "p", 100, 100, t0 + 10'000) == 10'000);  // claimed 100 s after 10 s
    CHECK(credit(ledger, "p", 110, 10, t0 + 20'000) == 10'000);   // honest
    CHECK(credit(ledger, "p", 111, 5, t0 + 21'000) == 1'000);     // only 1 s has passed since the start's credit
    CHECK(credit(ledger, "p", 111, 0, t0 + 22'000) == 0);
    // After a pause, the claim is bounded by the wall time since the start, less what was credited …
    CHECK(credit(ledger, "p", 200, 300, t0 + 122'000) == 122'000 - 21'000);
    CHECK(credit(ledger, "p", 200, -5, t0 + 123'000) == 0);
    // … and by the wall time since the previous heartbeat, plus 2 s of network jitter.
    ledger.start_play("q", 1, "viewer", 600.0, t0);
    CHECK(credit(ledger, "q", 0, 0, t0 + 100'000) == 0);
    CHECK(credit(ledger, "q", 50, 50, t0 + 110'000) == 12'000);
    CHECK(credit(ledger, "q", 59, 9, t0 + 119'000) == 9'000);
}

TEST_CASE("an inflating client earns exactly what an honest one does") {
    audience_ledger ledger;
    ledger.start_play("honest", 1, "a", 600.0, t0);
    ledger.start_play("greedy", 1, "b", 600.0, t0);
    std::int64_t honest = 0, greedy = 0;
    for (int step = 1; step <= 12; ++step) {
        honest += credit(ledger, "honest", step * 10.0, 10, t0 + step * 10'000);
        greedy += credit(ledger, "greedy", step * 10.0, 1000, t0 + step * 10'000);
    }
    CHECK(honest == 120'000);
    CHECK(greedy == 120'000);
}

TEST_CASE("a play becomes a view at 30 s, or half of a film shorter than a minute, once per viewer per hour") {
    audience_rules rules;
    CHECK(view_threshold_ms(std::nullopt, rules) == 30'000);
    CHECK(view_threshold_ms(600.0, rules) == 30'000);
    CHECK(view_threshold_ms(40.0, rules) == 20'000);
    audience_ledger ledger(rules);
    auto play_for = [&](const std::string& id, std::int64_t start, std::optional<double> runtime, int seconds) {
        ledger.start_play(id, 7, "same viewer", runtime, start);
        heartbeat_credit c;
        ledger.heartbeat(id, {double(seconds), double(seconds)}, true, start + seconds * 1000, &c);
        return c;
    };
    CHECK(play_for("a", t0, 600.0, 29).became_view == false);
    const auto first = play_for("b", t0 + 100'000, 600.0, 30);
    CHECK(first.became_view);
    CHECK(first.counted_view);
    const auto reload = play_for("c", t0 + 200'000, 600.0, 45);  // a reload within the hour
    CHECK(reload.became_view);
    CHECK_FALSE(reload.counted_view);
    CHECK(play_for("d", t0 + 100'000 + 3'600'000, 600.0, 30).counted_view);  // an hour later
    CHECK(play_for("e", t0 + 9'000'000, 40.0, 20).became_view);
}

TEST_CASE("retention buckets cover the percents a watched span overlaps") {
    CHECK(buckets_of_span(0, 60, 120).count() == 50);
    CHECK(buckets_of_span(0, 60, 120).test(49));
    CHECK_FALSE(buckets_of_span(0, 60, 120).test(50));
    CHECK(buckets_of_span(0, 60.01, 120).test(50));
    CHECK(buckets_of_span(59.9, 60, 120).count() == 1);
    CHECK(buckets_of_span(0, 500, 120).count() == 100);  // clamped to the runtime
    CHECK(buckets_of_span(10, 10, 120).none());
    CHECK(buckets_of_span(0, 10, 0).none());
}

TEST_CASE("heartbeats for unknown, ended or expired plays are refused and change nothing") {
    audience_ledger ledger;
    CHECK(ledger.heartbeat("nope", {1, 1}, false, t0) == heartbeat_result::unknown);
    ledger.start_play("ended", 1, "v", 120.0, t0);
    ledger.start_play("idle", 1, "w", 120.0, t0);
    REQUIRE(ledger.heartbeat("ended", {10, 10}, true, t0 + 10'000) == heartbeat_result::accepted);
    (void)ledger.take_pending(t0 + 10'000);
    CHECK(ledger.heartbeat("ended", {20, 10}, false, t0 + 20'000) == heartbeat_result::expired);
    CHECK(ledger.heartbeat("idle", {10, 10}, false, t0 + 600'000) == heartbeat_result::expired);
    CHECK(ledger.take_pending(t0 + 600'000, true).empty());
    ledger.expire(t0 + 600'000 + 3'600'000);
    CHECK(ledger.state("idle", t0 + 600'000 + 3'600'000) == heartbeat_result::unknown);
}

TEST_CASE("live plays are those with a heartbeat in the last 30 s, and peaks are kept per minute") {
    audience_ledger ledger;
    ledger.start_play("a", 1, "v1", 120.0, t0);
    ledger.start_play("b", 1, "v2", 120.0, t0);
    ledger.start_play("c", 2, "v3", 120.0, t0);
    ledger.sample_live(t0 + 1000);
    CHECK(ledger.live(t0 + 29'999).total == 3);
    CHECK(ledger.heartbeat("a", {10, 10}, false, t0 + 20'000) == heartbeat_result::accepted);
    CHECK(ledger.live(t0 + 30'000).total == 1);
    CHECK(ledger.live(t0 + 30'000).by_film.at(1) == 1);
    ledger.sample_live(t0 + 65'000);  // next minute: nobody
    ledger.sample_live(t0 + 30'000);
    const auto batch = ledger.take_pending(t0 + 65'000);
    CHECK(batch.festival_peak_live.at(minute_of(t0)) == 3);
    CHECK(batch.minutes.at({1, minute_of(t0)}).peak_live == 2);
    CHECK(batch.minutes.at({2, minute_of(t0)}).peak_live == 1);
    CHECK_FALSE(batch.festival_peak_live.contains(minute_of(t0 + 65'000)));
}

TEST_CASE("200 plays across 3 films and 2 days add up to exactly the expected statistics") {
    auto db = festival::test::open_fresh_catalog();
    audience_ledger ledger;
    const auto plays = festival::testing::scenario_plays();
    for (int day = 0; day < 2; ++day) {
        const std::int64_t start = t0 + day * 86'400'000LL;
        for (std::size_t i = 0; i < plays.size(); ++i) {
            const auto& p = plays[i];
            if (p.day != day) continue;
            ledger.start_play("play" + std::to_string(i), p.film + 1,
                              p.user_agent + "/" + std::to_string(p.film) + "/" + std::to_string(day),
                              double(festival::testing::scenario_runtime[p.film]), start, {}, {}, p.country);
        }
        ledger.sample_live(start + 500);
        for (int step = 1; step <= 61; ++step) {
            for (std::size_t i = 0; i < plays.size(); ++i) {
                const auto& p = plays[i];
                if (p.day != day || p.seconds <= (step - 1) * 10) continue;
                const int played = std::min(10, p.seconds - (step - 1) * 10);
                // The last heartbeat of a play is its final beacon.
                REQUIRE(ledger.heartbeat("play" + std::to_string(i), {double(std::min(step * 10, p.seconds)), double(played)},
                                         p.seconds <= step * 10, start + step * 10'000) == heartbeat_result::accepted);
            }
            if (step % 7 == 0) write_stats_batch(db, ledger.take_pending(start + step * 10'000));
        }
        for (std::size_t i = 0; i < plays.size(); ++i)  // plays of 0 s end without playing
            if (plays[i].day == day && plays[i].seconds == 0)
                CHECK(ledger.heartbeat("play" + std::to_string(i), {0, 0}, true, start + 5'000) == heartbeat_result::accepted);
        write_stats_batch(db, ledger.take_pending(start + 620'000));
    }
    const auto expected = festival::testing::scenario_expected();
    const auto totals = festival_totals(db, {});
    CHECK(totals.plays == 200);
    CHECK(totals.views == expected.at(-1).views);
    CHECK(totals.unique_viewers == expected.at(-1).unique_viewers);
    CHECK(totals.watch_ms == expected.at(-1).watch_ms);
    CHECK(totals.completed == expected.at(-1).completed);
    CHECK(totals.measured_plays == 200);
    CHECK(totals.peak_live == 100);
    const auto films = per_film_totals(db, {});
    REQUIRE(films.size() == 3);
    for (const auto& f : films) {
        const auto& e = expected.at(static_cast<int>(f.film_id) - 1);
        CAPTURE(f.film_id);
        CHECK(f.totals.plays == e.plays);
        CHECK(f.totals.views == e.views);
        CHECK(f.totals.unique_viewers == e.unique_viewers);
        CHECK(f.totals.watch_ms == e.watch_ms);
        CHECK(f.totals.completed == e.completed);
        std::int64_t most_in_a_day = 0;  // all of a day's plays of a film are live together
        for (int day = 0; day < 2; ++day) {
            std::int64_t n = 0;
            for (const auto& p : plays) n += p.day == day && p.film + 1 == f.film_id;
            most_in_a_day = std::max(most_in_a_day, n);
        }
        CHECK(f.totals.peak_live == most_in_a_day);
        const auto curve = film_retention(db, f.film_id, {});
        CHECK(curve.measured_plays == e.plays);
        for (int k = 0; k < 100; ++k) {
            CAPTURE(k);
            CHECK(curve.share[static_cast<std::size_t>(k)] == doctest::Approx(double(e.retention[k]) / e.plays));
        }
    }
    const auto days = daily_totals(db, {});
    REQUIRE(days.size() == 2);
    CHECK(days[0].totals.plays == 100);
    CHECK(days[1].totals.plays == 100);
    CHECK(day_text(days[0].day) == "2026-06-01");
    const auto first_day = festival_totals(db, {days[0].day, days[0].day});
    CHECK(first_day.plays == 100);
    CHECK(first_day.views + festival_totals(db, {days[1].day, std::nullopt}).views == totals.views);
    CHECK(find_play(db, "play0")->ended);
    // Per-minute peaks: everyone of a day was live in its first minute.
    const auto minutes = live_by_minute(db, minute_of(t0), minute_of(t0) + 1439);
    REQUIRE_FALSE(minutes.empty());
    CHECK(minutes.front() == std::make_pair(minute_of(t0), std::int64_t{100}));
    const auto film_minutes = live_by_minute(db, minute_of(t0), minute_of(t0) + 1439, 1);
    CHECK(film_minutes.front().second == 34);
    // By hour: the first day's plays all started and ended between 10:00 and 10:11.
    const auto hours = hourly_totals(db, days[0].day);
    REQUIRE(hours.size() == 1);
    CHECK(hours[0].first == 10);
    CHECK(hours[0].second.plays == 100);
    CHECK(hours[0].second.views == days[0].totals.views);
    CHECK(hours[0].second.watch_ms == days[0].totals.watch_ms);
    CHECK(hours[0].second.peak_live == 100);
    CHECK(hourly_totals(db, days[0].day, 1).at(0).second.peak_live == 34);
    CHECK(find_play(db, "play0")->credited_ms == plays[0].seconds * 1000);

    // Per country: every play counted for its viewer's country, the unknown ones under "".
    const auto by_country = festival::testing::scenario_expected_by_country();
    const auto countries = per_country_totals(db, {});
    REQUIRE(countries.size() == 4);
    std::int64_t views_before = std::numeric_limits<std::int64_t>::max();
    for (const auto& c : countries) {
        CAPTURE(c.country);
        const auto& e = by_country.at(c.country);
        CHECK(c.plays == e.plays);
        CHECK(c.views == e.views);
        CHECK(c.watch_ms == e.watch_ms);
        CHECK(c.views <= views_before);  // most views first
        views_before = c.views;
    }
    CHECK(by_country.at("").plays > 0);
    // The rows per film, day and country add up to each film's day rows.
    std::map<std::pair<std::int64_t, std::int64_t>, country_totals> summed;
    for (const auto& r : film_day_country_rows(db, {})) {
        auto& s = summed[{r.film_id, r.day}];
        s.plays += r.totals.plays, s.views += r.totals.views, s.watch_ms += r.totals.watch_ms;
    }
    REQUIRE(summed.size() == 6);
    for (const auto& day : daily_totals(db, {})) {
        for (std::int64_t film = 1; film <= 3; ++film) {
            const auto one = per_film_totals(db, {day.day, day.day}).at(static_cast<std::size_t>(film - 1)).totals;
            CHECK(summed[{film, day.day}].plays == one.plays);
            CHECK(summed[{film, day.day}].views == one.views);
            CHECK(summed[{film, day.day}].watch_ms == one.watch_ms);
        }
    }
    const auto belgium = film_day_country_rows(db, {}, std::string("BE"));
    REQUIRE_FALSE(belgium.empty());
    for (const auto& r : belgium) CHECK(r.totals.country == "BE");
    const auto film_two = per_country_totals(db, {}, 2);
    std::int64_t film_two_watch = 0;
    for (const auto& c : film_two) film_two_watch += c.watch_ms;
    CHECK(film_two_watch == expected.at(1).watch_ms);
}

TEST_CASE("a play handed over by a predecessor from before countries counts for the unknown country") {
    auto db = festival::test::open_fresh_catalog();
    audience_ledger old;
    REQUIRE(old.start_play("p", 1, "viewer", 600.0, t0, {}, {}, "FR"));
    auto state = old.hand_over_state();
    CHECK(state["plays"]["p"]["country"] == "FR");
    audience_ledger successor;
    successor.take_over_state(state);
    credit(successor, "p", 10, 10, t0 + 10'000);
    state["plays"]["p"].erase("country");
    audience_ledger from_older;
    from_older.take_over_state(state);
    credit(from_older, "p", 10, 10, t0 + 10'000);
    write_stats_batch(db, successor.take_pending(t0 + 10'000));
    write_stats_batch(db, from_older.take_pending(t0 + 10'000));
    const auto countries = per_country_totals(db, {});
    REQUIRE(countries.size() == 2);
    CHECK(countries[0].country == "FR");
    CHECK(countries[0].watch_ms == 10'000);
    CHECK(countries[0].plays == 0);  // the start was counted by the predecessor, not again
    CHECK(countries[1].country == "");
    CHECK(countries[1].watch_ms == 10'000);
}

// A migration from an older SQLite catalog: SQLite only.
TEST_CASE("what was counted before countries were is of unknown country after the migration") {
    database db(":memory:");
    festival::test::migrate_to_before_step(db, "CREATE TABLE stats_film_day_country");
    db.exec("INSERT INTO stats_film_day (film_id, day, plays, views, watch_ms, peak_live) VALUES "
            "(1, 20000, 5, 2, 61000, 3), (2, 20001, 1, 0, 0, 1), (3, 20001, 0, 0, 0, 0)");
    migrate(db);
    const auto rows = film_day_country_rows(db, {});
    REQUIRE(rows.size() == 2);  // a day row with nothing counted has no country row
    CHECK(rows[0].film_id == 1);
    CHECK(rows[0].totals.country == "");
    CHECK(rows[0].totals.plays == 5);
    CHECK(rows[0].totals.views == 2);
    CHECK(rows[0].totals.watch_ms == 61'000);
    CHECK(rows[1].film_id == 2);
    CHECK(rows[1].totals.plays == 1);
}

TEST_CASE("a playing play's row is batched every 30 s, while aggregates and new or ended plays go in every batch") {
    audience_ledger ledger;
    ledger.start_play("p", 1, "v", 600.0, t0);
    CHECK(ledger.take_pending(t0).plays.size() == 1);  // new
    REQUIRE(ledger.heartbeat("p", {10, 10}, false, t0 + 10'000) == heartbeat_result::accepted);
    const auto batch = ledger.take_pending(t0 + 10'000);
    CHECK(batch.plays.empty());
    CHECK(batch.minutes.at({1, minute_of(t0 + 10'000)}).watch_ms == 10'000);
    REQUIRE(ledger.heartbeat("p", {20, 10}, false, t0 + 20'000) == heartbeat_result::accepted);
    CHECK(ledger.take_pending(t0 + 30'000).plays.at("p").credited_ms == 20'000);
    REQUIRE(ledger.heartbeat("p", {25, 5}, false, t0 + 35'000) == heartbeat_result::accepted);
    CHECK(ledger.take_pending(t0 + 35'000, true).plays.at("p").credited_ms == 25'000);  // on shutdown
    REQUIRE(ledger.heartbeat("p", {30, 5}, true, t0 + 40'000) == heartbeat_result::accepted);
    CHECK(ledger.take_pending(t0 + 40'000).plays.at("p").ended);
}

TEST_CASE("one address key holds at most 20 open plays and starts 10 a minute, whatever viewer hash it shows") {
    audience_ledger ledger;
    int started = 0;
    start_result refused;
    // A client rotating its user agent: a new viewer hash every time, one address key.
    for (int i = 0; i < 40; ++i) {
        const auto r = ledger.start_play("p" + std::to_string(i), 1, "agent " + std::to_string(i), 600.0,
                                         t0 + i * 100, "one address");
        if (r) ++started;
        else if (!refused.retry_after_ms) refused = r;
    }
    CHECK(started == 10);
    CHECK(refused.refusal == start_refusal::too_many_starts);
    CHECK(refused.retry_after_ms == 60'000 - 1'000);  // the first start leaves the minute then
    CHECK(ledger.start_play("other", 1, "another viewer", 600.0, t0 + 4'000, "another address"));
    // Minutes later the start budget is back, but 20 plays are open: the 21st waits for one to expire.
    for (int i = 0; i < 10; ++i)
        REQUIRE(ledger.start_play("q" + std::to_string(i), 2, "agent " + std::to_string(i), 600.0, t0 + 120'000,
                                  "one address"));
    const auto open = ledger.start_play("q10", 3, "agent 0", 600.0, t0 + 180'000, "one address");
    CHECK(open.refusal == start_refusal::too_many_open_plays);
    CHECK(open.retry_after_ms == 600'000 - 180'000);  // p0, idle since t0, expires first
    CHECK(ledger.state("q10", t0 + 180'000) == heartbeat_result::unknown);
    REQUIRE(ledger.heartbeat("p0", {1, 1}, true, t0 + 181'000) == heartbeat_result::accepted);  // one ends
    CHECK(ledger.start_play("q10", 3, "agent 0", 600.0, t0 + 181'000, "one address"));
    CHECK(ledger.take_pending(t0 + 181'000).minutes.at({1, minute_of(t0)}).plays == 11);
}

TEST_CASE("one address key brings at most 10 viewer hashes per film and day: more user agents are not more viewers") {
    audience_ledger ledger;
    std::int64_t now = t0;
    for (int i = 0; i < 10; ++i, now += 60'000)
        REQUIRE(ledger.start_play("p" + std::to_string(i), 1, "agent " + std::to_string(i), 600.0, now, "address"));
    const auto eleventh = ledger.start_play("p10", 1, "agent 10", 600.0, now, "address");
    CHECK(eleventh.refusal == start_refusal::too_many_viewers);
    CHECK(eleventh.retry_after_ms == (day_of(now) + 1) * 86'400'000LL - now);  // tomorrow
    CHECK(ledger.start_play("p11", 1, "agent 3", 600.0, now, "address"));  // a known viewer plays again
    CHECK(ledger.start_play("p12", 2, "agent 10", 600.0, now, "address"));  // another film
    const auto batch = ledger.take_pending(now);
    CHECK(batch.days.at({1, day_of(t0)}).viewer_hashes.size() == 10);
    ledger.expire(t0 + 86'400'000);
    CHECK(ledger.start_play("p13", 1, "agent 10", 600.0, t0 + 86'400'000, "address"));  // the next day
}

TEST_CASE("one report at the end of the runtime after 2 s of playback neither completes the play nor fills retention") {
    audience_ledger ledger;
    ledger.start_play("p", 1, "v", 600.0, t0);
    heartbeat_credit c;
    REQUIRE(ledger.heartbeat("p", {600, 600}, true, t0 + 2'000, &c) == heartbeat_result::accepted);
    CHECK(c.credited_ms == 2'000);
    CHECK_FALSE(c.became_complete);
    const auto batch = ledger.take_pending(t0 + 2'000);
    CHECK(batch.days.at({1, day_of(t0)}).completed == 0);
    CHECK(batch.days.at({1, day_of(t0)}).retention.empty());  // 2 s is not half of a 6 s percent
    CHECK(batch.plays.at("p").furthest_position == doctest::Approx(600.0));
}

TEST_CASE("a seek forward is not watched: completion needs 90 % of the runtime actually watched") {
    audience_ledger ledger;
    ledger.start_play("p", 1, "v", 100.0, t0);
    // 50 s watched from the start, then a jump to 90 s and 10 s watched to the end.
    for (int step = 1; step <= 5; ++step) credit(ledger, "p", step * 10.0, 10, t0 + step * 10'000);
    heartbeat_credit c;
    REQUIRE(ledger.heartbeat("p", {100, 10}, false, t0 + 60'000, &c) == heartbeat_result::accepted);
    CHECK_FALSE(c.became_complete);
    auto batch = ledger.take_pending(t0 + 60'000);
    CHECK(batch.days.at({1, day_of(t0)}).completed == 0);
    CHECK(batch.days.at({1, day_of(t0)}).retention.size() == 60);  // 0–49 and 90–99, not the skipped part
    // Going back and watching what was skipped completes it.
    for (int step = 1; step <= 2; ++step) credit(ledger, "p", 50.0 + step * 10, 10, t0 + 60'000 + step * 10'000);
    REQUIRE(ledger.heartbeat("p", {80, 10}, false, t0 + 90'000, &c) == heartbeat_result::accepted);
    CHECK(c.became_complete);  // 90 of 100 s watched
    CHECK(ledger.take_pending(t0 + 90'000).days.at({1, day_of(t0)}).completed == 1);
}

TEST_CASE("watched ranges merge what touches and keep at most the allowed number apart") {
    watched_ranges r;
    CHECK(r.add(10, 20, 3));
    CHECK(r.add(30, 40, 3));
    CHECK(r.add(20, 30, 3));  // bridges both
    CHECK(r.ranges() == std::vector<std::pair<double, double>>{{10, 40}});
    CHECK(r.add(50, 51, 3));
    CHECK(r.add(60, 61, 3));
    CHECK_FALSE(r.add(70, 71, 3));  // a fourth separate range
    CHECK(r.add(5, 12, 3));         // extending one is fine
    CHECK(r.covered(0, 100) == doctest::Approx(35 + 1 + 1));
    CHECK(r.covered(35, 55) == doctest::Approx(5 + 1));
}
