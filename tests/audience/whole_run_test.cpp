// How many people watched over the festival's whole run, through a real `festival serve` on the test
// clock: a simulated audience of 3,000 viewer tokens over several days and films, tokens that never
// earn a view, a kill -9, and plays counted per embedding site (docs/statistics.md).
//
// The bound: every estimate within 3 standard errors (σ = 1.04/√16384 ≈ 0.81 %) of the true number.
// These audiences are below 2.5 × 16,384, where the sketch counts empty registers (linear counting),
// whose own error here is about 0.6 %: the bound holds with a margin of more than 4 of those.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/film_embeds.hpp"
#include "tests/support/festival_fixture.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

const std::int64_t t0 = *festival::catalog::parse_utc("2026-06-01T10:00:00Z") * 1000;
constexpr std::int64_t day_ms = 86'400'000;
const double sigma = 1.04 / std::sqrt(16384.0);

std::uint64_t mix(std::uint64_t n) {
    std::uint64_t z = n * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// A browser's viewer token, as web/js/viewer-token.js makes it: 32 lower-case hex digits.
std::string token_of(int viewer) {
    char text[33];
    std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(mix(viewer)),
                  static_cast<unsigned long long>(mix(viewer + 1'000'000)));
    return text;
}

// Each simulated browser has its own user agent, behind one of 100 loopback addresses.
std::string agent_of(int viewer) { return "browser-" + std::to_string(viewer); }
std::string address_of(int viewer) { return "127.0.0." + std::to_string(2 + viewer % 100); }

struct simulated_play {
    int viewer = 0;
    int film = 0;
    int day = 0;
    bool reaches_view = false;
    std::string id;
};

// Views at 2 s of playback; one address may bring all of its simulated browsers.
struct whole_run_fixture : festival_fixture {
    whole_run_fixture()
        : festival_fixture(fixture_options().with_clock(t0).with_flags(
              {"--view-seconds", "2", "--viewers-per-address", "1000000"})) {}

    std::int64_t add_film(const std::string& slug) {
        const json body = {{"slug", slug}, {"original_title", "Film " + slug}, {"category", "short"},
                           {"published", true}, {"runtime_minutes", 10}};
        const auto created = curator().call("POST", "/api/films", body.dump());
        REQUIRE(created.status == 201);
        return created.json()["id"].get<std::int64_t>();
    }
    http_result start_play(const std::string& film, int viewer, json body) const {
        return http_call_from(address_of(viewer), port(), "POST", "/api/films/" + film + "/plays", body.dump(),
                              {{"User-Agent", agent_of(viewer)}});
    }
    int beat(const std::string& play, int viewer, double played) const {
        const json body = {{"position", played}, {"played", played}};
        return http_call_from(address_of(viewer), port(), "POST", "/api/plays/" + play + "/heartbeat", body.dump(),
                              {{"User-Agent", agent_of(viewer)}})
            .status;
    }
    json stats() const {
        const auto r = organizer().call("GET", "/api/stats");
        REQUIRE(r.status == 200);
        return r.json();
    }
};

// Runs `work(i)` for i in [0, n) on 4 client threads; returns how many calls failed.
int run_parallel(std::size_t n, const std::function<bool(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c)
        clients.emplace_back([&] {
            for (std::size_t i = next++; i < n; i = next++)
                if (!work(i)) ++failed;
        });
    for (auto& t : clients) t.join();
    return failed;
}

// One simulated day: every play starts, 3 s pass, then each reports 3 s played (a view at 2 s) or 1 s
// (never a view).
void play_day(whole_run_fixture& f, std::vector<simulated_play>& plays, int day,
              const std::vector<std::string>& film_keys) {
    std::vector<simulated_play*> today;
    for (auto& p : plays)
        if (p.day == day) today.push_back(&p);
    const std::int64_t start = t0 + day * day_ms;
    f.set_clock(start);
    CHECK(run_parallel(today.size(), [&](std::size_t i) {
              auto& p = *today[i];
              const auto r = f.start_play(film_keys[p.film], p.viewer, {{"viewer", token_of(p.viewer)}});
              if (r.status != 201) return false;
              p.id = r.json()["play_id"].get<std::string>();
              return true;
          }) == 0);
    f.set_clock(start + 3'000);
    std::mutex refusals_mutex;
    std::map<int, int> refusals;  // status → how many, said when any
    CHECK(run_parallel(today.size(), [&](std::size_t i) {
              const auto& p = *today[i];
              const auto status = f.beat(p.id, p.viewer, p.reaches_view ? 3 : 1);
              if (status == 200) return true;
              std::lock_guard lock(refusals_mutex);
              ++refusals[status];
              return false;
          }) == 0);
    for (const auto& refusal : refusals) MESSAGE("heartbeats answered " << refusal.first << ": " << refusal.second);
}

void check_within_three_sigma(std::int64_t estimate, std::int64_t truth) {
    CAPTURE(truth);
    CAPTURE(estimate);
    CHECK(std::abs(static_cast<double>(estimate - truth)) <= 3 * sigma * static_cast<double>(truth));
}

std::int64_t film_people(const json& stats, std::int64_t film_id) {
    for (const auto& f : stats["whole_run"]["films"])
        if (f["id"] == film_id) return f["unique_viewers"].get<std::int64_t>();
    FAIL("no whole-run row for film " << film_id);
    return -1;
}

}  // namespace

TEST_CASE("3,000 viewer tokens over 3 days and 4 films: whole-run people within 3 standard errors, a kill -9 keeps them") {
    whole_run_fixture f;
    std::vector<std::int64_t> film_ids;
    std::vector<std::string> film_keys;
    for (int film = 0; film < 4; ++film) {
        film_keys.push_back("film-" + std::to_string(film));
        film_ids.push_back(f.add_film(film_keys.back()));
    }
    // Browsers 0..2,599 each watch 1 to 3 films, on any of the 3 days (some the same film on two days),
    // and one in five also starts a film it leaves before the view; browsers 2,600..2,999 never reach a view.
    constexpr int watchers = 2'600, tokens = 3'000;
    std::vector<simulated_play> plays;
    std::map<int, std::set<int>> people_of_film;  // the truth: who earned a view of each film
    std::set<std::tuple<int, int, int>> taken;    // one play per browser, film and day
    auto add = [&](int viewer, int film, int day, bool view) {
        if (!taken.insert({viewer, film, day}).second) return;
        plays.push_back({viewer, film, day, view, {}});
        if (view) people_of_film[film].insert(viewer);
    };
    for (int v = 0; v < tokens; ++v) {
        const auto r = mix(v * 7 + 3);
        if (v >= watchers) {
            add(v, static_cast<int>(r % 4), static_cast<int>((r >> 8) % 3), false);
            if (r % 3 == 0) add(v, static_cast<int>((r >> 16) % 4), static_cast<int>((r >> 24) % 3), false);
            continue;
        }
        const int watched = 1 + static_cast<int>(r % 3);
        for (int k = 0; k < watched; ++k)
            add(v, static_cast<int>((r >> (8 + 6 * k)) % 4), static_cast<int>((r >> (11 + 6 * k)) % 3), true);
        if (v % 5 == 0) add(v, static_cast<int>((r >> 40) % 4), static_cast<int>((r >> 44) % 3), false);
    }
    std::int64_t views = 0;
    for (const auto& p : plays) views += p.reaches_view ? 1 : 0;
    for (int day = 0; day < 3; ++day) play_day(f, plays, day, film_keys);

    const auto stats = f.stats();
    // The daily figures stay what they were: every play is a viewer-film-day, every view counted.
    CHECK(stats["totals"]["plays"] == plays.size());
    CHECK(stats["totals"]["unique_viewers"] == plays.size());
    CHECK(stats["totals"]["views"] == views);
    const auto& run = stats["whole_run"];
    CHECK(run["relative_error"].get<double>() == doctest::Approx(0.008125));
    check_within_three_sigma(run["unique_viewers"].get<std::int64_t>(), watchers);
    REQUIRE(run["films"].size() == 4);
    for (int film = 0; film < 4; ++film) {
        CAPTURE(film);
        REQUIRE(people_of_film[film].size() > 500);
        check_within_three_sigma(film_people(stats, film_ids[film]), static_cast<std::int64_t>(people_of_film[film].size()));
    }
    // The whole run does not follow the range: one day's statistics give the same people.
    const auto one_day = f.organizer().call("GET", "/api/stats?from=2026-06-02&to=2026-06-02").json();
    CHECK(one_day["whole_run"] == run);
    CHECK(one_day["totals"]["plays"].get<std::int64_t>() < stats["totals"]["plays"].get<std::int64_t>());

    // The tokens themselves are neither logged nor stored: only their slots are.
    {
        festival::catalog::database db(f.catalog_location());
        auto rows = db.prepare("SELECT id, viewer_hash, COALESCE(token_hash, '') AS token_hash, site FROM plays");
        std::set<std::string> stored;
        while (rows.step())
            for (const char* column : {"id", "viewer_hash", "token_hash", "site"}) stored.insert(rows.text(column));
        auto slots = db.prepare("SELECT COUNT(*) FROM plays WHERE sketch_slot IS NOT NULL");
        REQUIRE(slots.step());
        CHECK(slots.int64(0) == static_cast<std::int64_t>(plays.size()));
        const auto output = f.server->output();
        for (int v : {0, 1, 2'599, 2'600, 2'999}) {
            CAPTURE(v);
            CHECK_FALSE(stored.contains(token_of(v)));
            CHECK(output.find(token_of(v)) == std::string::npos);
        }
    }

    // kill -9: the registers are in the catalog (written with the views they count).
    f.server->kill_hard();
    f.start();
    CHECK(f.stats()["whole_run"] == run);
    // The sketch key is kept over restarts: browsers already counted watching again on a 4th day land
    // in the same registers, and change nothing; new browsers are new people.
    std::vector<simulated_play> again;
    for (int v : people_of_film[0])
        if (again.size() < 300) again.push_back({v, 0, 3, true, {}});
    play_day(f, again, 3, film_keys);
    const auto after = f.stats();
    CHECK(after["whole_run"]["unique_viewers"] == run["unique_viewers"]);
    CHECK(film_people(after, film_ids[0]) == film_people(stats, film_ids[0]));
    CHECK(after["totals"]["views"] == views + 300);
    std::vector<simulated_play> newcomers;
    for (int v = tokens; v < tokens + 200; ++v) newcomers.push_back({v, 1, 4, true, {}});
    play_day(f, newcomers, 4, film_keys);
    check_within_three_sigma(f.stats()["whole_run"]["unique_viewers"].get<std::int64_t>(), watchers + 200);
}

TEST_CASE("viewer tokens that never earn a view count nobody, nor do views without a token") {
    whole_run_fixture f;
    const auto film = f.add_film("film-a");
    std::vector<simulated_play> plays;
    for (int v = 0; v < 50; ++v) plays.push_back({v, 0, 0, false, {}});
    play_day(f, plays, 0, {"film-a"});
    // Views from players that send no token (absent or null) feed no sketch.
    f.set_clock(t0 + 10'000);
    std::map<int, std::string> tokenless;
    for (int v = 100; v < 110; ++v) {
        const auto r = f.start_play("film-a", v, v % 2 ? json::object() : json{{"viewer", nullptr}});
        REQUIRE(r.status == 201);
        tokenless[v] = r.json()["play_id"].get<std::string>();
    }
    f.set_clock(t0 + 13'000);
    for (const auto& play : tokenless) REQUIRE(f.beat(play.second, play.first, 3) == 200);
    // A malformed token is refused and nothing is counted.
    for (const json& bad : {json("ABCDEF0123456789ABCDEF0123456789"), json(std::string(31, 'a')),
                            json(std::string(33, 'a')), json("g" + std::string(31, 'a')), json(12345),
                            json::array({token_of(1)})}) {
        CAPTURE(bad);
        const auto r = f.start_play("film-a", 200, {{"viewer", bad}});
        CHECK(r.status == 400);
        CHECK(r.json()["error"]["code"] == "invalid_viewer");
    }
    const auto stats = f.stats();
    CHECK(stats["totals"]["plays"] == 60);
    CHECK(stats["totals"]["views"] == 10);
    CHECK(stats["whole_run"]["unique_viewers"] == 0);
    CHECK(film_people(stats, film) == 0);
}

TEST_CASE("plays started with an allowed embedding site are counted under it, any other site under the festival's pages") {
    whole_run_fixture f;
    const auto framed = f.add_film("framed");
    const auto plain = f.add_film("plain");
    {
        festival::catalog::database db(f.catalog_location());
        festival::catalog::save_film_embed(db, framed, true, {"http://127.0.0.2:8080"});
    }
    struct start_case {
        std::string film;
        json site;
        bool view;
    };
    const std::vector<start_case> cases = {
        {"framed", "http://127.0.0.2:8080", true},   {"framed", "http://127.0.0.2:8080", true},
        {"framed", "http://127.0.0.2:8080", false},  {"framed", "HTTP://127.0.0.2:8080/", false},
        {"framed", "http://127.0.0.3:8080", true},   {"framed", "javascript:alert(1)", false},
        {"framed", 42, false},                       {"plain", "http://127.0.0.2:8080", true},
    };
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto r = f.start_play(cases[i].film, static_cast<int>(i), {{"site", cases[i].site}});
        REQUIRE(r.status == 201);
        ids.push_back(r.json()["play_id"].get<std::string>());
    }
    f.set_clock(t0 + 3'000);
    for (std::size_t i = 0; i < cases.size(); ++i) REQUIRE(f.beat(ids[i], static_cast<int>(i), cases[i].view ? 3 : 1) == 200);

    const auto stats = f.stats();
    std::map<std::pair<std::int64_t, std::string>, json> by_site;
    for (const auto& row : stats["sites"]) by_site[{row["film"].get<std::int64_t>(), row["site"].get<std::string>()}] = row;
    REQUIRE(by_site.size() == 3);
    const auto& partner = by_site.at({framed, "http://127.0.0.2:8080"});
    CHECK(partner["plays"] == 4);
    CHECK(partner["views"] == 2);
    CHECK(partner["watch_hours"].get<double>() == doctest::Approx((3 + 3 + 1 + 1) / 3600.0));
    const auto& own = by_site.at({framed, ""});
    CHECK(own["plays"] == 3);
    CHECK(own["views"] == 1);
    CHECK(by_site.at({plain, ""})["plays"] == 1);

    const auto csv = f.organizer().call("GET", "/api/stats/export?format=csv&table=sites");
    REQUIRE(csv.status == 200);
    CHECK(csv.body.find("day,film_id,slug,title,site,plays,views,watch_hours\r\n") == 0);
    CHECK(csv.body.find("2026-06-01," + std::to_string(framed) + ",framed,Film framed,http://127.0.0.2:8080,4,2,") !=
          std::string::npos);
    const auto exported = f.organizer().call("GET", "/api/stats/export?format=json&table=sites&from=2026-06-02");
    REQUIRE(exported.status == 200);
    CHECK(exported.json()["sites"].empty());
}
