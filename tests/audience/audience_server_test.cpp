// Simulated viewers against a real `festival serve`, whose audience clock the test drives through
// its --test-clock-file setting (unix milliseconds in a file).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/stats.hpp"
#include "tests/audience/scenario.hpp"
#include "tests/support/festival_fixture.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

const std::int64_t t0 = *festival::catalog::parse_utc("2026-06-01T10:00:00Z") * 1000;

// Each simulated viewer (user agent) on an address of its own, as people at home are.
std::string address_of(int viewer) { return "127.0.0." + std::to_string(10 + viewer); }
std::string address_of(const scenario_play& p) { return address_of(std::stoi(p.user_agent.substr(7))); }

// A geo database (tests/support/write_geo_database.pl) placing each scenario viewer's address in its
// country; the viewers of unknown country are left out of it.
const std::string& scenario_geo_database() {
    static const temp_dir folder;
    static const std::string file = [] {
        const auto path = (folder.path() / "countries.mmdb").string();
        std::set<std::string> entries;
        for (const auto& p : scenario_plays())
            if (!p.country.empty()) entries.insert(address_of(p) + "/32=" + p.country);
        std::string command = std::string("perl ") + FESTIVAL_SOURCE_DIR + "/tests/support/write_geo_database.pl " + path;
        for (const auto& entry : entries) command += " " + entry;
        if (std::system(command.c_str()) != 0) throw std::runtime_error("could not write the geo database: " + command);
        return path;
    }();
    return file;
}

// The shared fixture on the audience clock, starting at t0, with the scenario's geo database.
struct audience_fixture : festival_fixture {
    explicit audience_fixture(std::map<std::string, std::string> extra_env = {})
        : festival_fixture(fixture_options()
                               .with_env(std::move(extra_env))
                               .with_clock(t0)
                               .with_flags({"--geo-database", scenario_geo_database()})) {}

    std::int64_t add_film(const std::string& slug, std::optional<int> runtime_minutes) {
        json body = {{"slug", slug}, {"original_title", "Film " + slug}, {"category", "short"}, {"published", true}};
        if (runtime_minutes) body["runtime_minutes"] = *runtime_minutes;
        const auto created = curator().call("POST", "/api/films", body.dump());
        REQUIRE(created.status == 201);
        return created.json()["id"].get<std::int64_t>();
    }
    http_result try_start(const std::string& film, const std::string& agent, const json& body = nullptr,
                          const std::string& address = "127.0.0.1") {
        return http_call_from(address, port(), "POST", "/api/films/" + film + "/plays",
                              body.is_null() ? "" : body.dump(), {{"User-Agent", agent}});
    }
    std::string start_play(const std::string& film, const std::string& agent, const json& body = nullptr,
                           const std::string& address = "127.0.0.1") {
        const auto r = try_start(film, agent, body, address);
        REQUIRE(r.status == 201);
        return r.json()["play_id"].get<std::string>();
    }
    int beat(const std::string& play, const std::string& agent, double position, double played,
             const std::string& kind = "heartbeat", json extra = json::object(),
             const std::string& address = "127.0.0.1") {
        extra["position"] = position;
        extra["played"] = played;
        header_list headers = {{"User-Agent", agent}};
        if (kind == "end") headers.emplace_back("Content-Type", "text/plain;charset=UTF-8");
        return http_call_from(address, port(), "POST", "/api/plays/" + play + "/" + kind, extra.dump(), headers).status;
    }
    std::int64_t play_rows() {
        festival::catalog::database db(festival::test::catalog_location_of(dir.path()));
        return festival::catalog::count_plays(db);
    }
    json stats(const std::string& query = "") {
        const auto r = organizer().call("GET", "/api/stats" + query);
        REQUIRE(r.status == 200);
        return r.json();
    }
};

json film_row(const json& stats, std::int64_t film_id) {
    for (const auto& row : stats["films"])
        if (row["film_id"] == film_id) return row;
    FAIL("no row for film " << film_id);
    return {};
}

}  // namespace

TEST_CASE("200 simulated plays across 3 films and 2 days give exactly the expected statistics") {
    audience_fixture f;
    const std::int64_t films[3] = {f.add_film("two-minutes", 2), f.add_film("ten-minutes", 10), f.add_film("short", {})};
    const auto plays = scenario_plays();
    std::vector<std::string> ids(plays.size());
    for (int day = 0; day < 2; ++day) {
        const std::int64_t start = t0 + day * 86'400'000LL;
        f.set_clock(start);
        for (std::size_t i = 0; i < plays.size(); ++i) {
            if (plays[i].day != day) continue;
            // The catalog knows the first two runtimes; the player reports the third film's duration.
            ids[i] = f.start_play(std::to_string(films[plays[i].film]), plays[i].user_agent,
                                  plays[i].film == 2 ? json{{"duration", 40}} : json(nullptr), address_of(plays[i]));
        }
        for (int step = 1; step <= 61; ++step) {
            f.set_clock(start + step * 10'000);
            for (std::size_t i = 0; i < plays.size(); ++i) {
                const auto& p = plays[i];
                if (p.day != day || p.seconds <= (step - 1) * 10) continue;
                const int played = std::min(10, p.seconds - (step - 1) * 10);
                REQUIRE(f.beat(ids[i], p.user_agent, std::min(step * 10, p.seconds), played, "heartbeat", json::object(),
                               address_of(p)) == 200);
                // The page is closed once the play stops: the final beacon, as sendBeacon sends it.
                if (p.seconds <= step * 10)
                    REQUIRE(f.beat(ids[i], p.user_agent, p.seconds, 0, "end", json::object(), address_of(p)) == 204);
            }
            for (std::size_t i = 0; i < plays.size(); ++i)
                if (step == 1 && plays[i].day == day && plays[i].seconds == 0)
                    REQUIRE(f.beat(ids[i], plays[i].user_agent, 0, 0, "end", json::object(), address_of(plays[i])) == 204);
        }
    }

    const auto expected = scenario_expected();
    const auto stats = f.stats();
    const auto& totals = stats["totals"];
    CHECK(totals["plays"] == 200);
    CHECK(totals["views"] == expected.at(-1).views);
    CHECK(totals["unique_viewers"] == expected.at(-1).unique_viewers);
    CHECK(totals["watch_seconds"].get<double>() == doctest::Approx(expected.at(-1).watch_ms / 1000.0));
    CHECK(totals["completed"] == expected.at(-1).completed);
    CHECK(totals["completion"].get<double>() == doctest::Approx(expected.at(-1).completed / 200.0));
    REQUIRE(stats["days"].size() == 2);
    CHECK(stats["days"][0]["day"] == "2026-06-01");
    CHECK(stats["days"][1]["day"] == "2026-06-02");
    CHECK(stats["days"][0]["plays"].get<int>() + stats["days"][1]["plays"].get<int>() == 200);
    for (int film = 0; film < 3; ++film) {
        CAPTURE(film);
        const auto& e = expected.at(film);
        const auto row = film_row(stats, films[film]);
        CHECK(row["plays"] == e.plays);
        CHECK(row["views"] == e.views);
        CHECK(row["unique_viewers"] == e.unique_viewers);
        CHECK(row["watch_seconds"].get<double>() == doctest::Approx(e.watch_ms / 1000.0));
        CHECK(row["completed"] == e.completed);
        const auto retention =
            f.organizer().call("GET", "/api/stats/films/" + std::to_string(films[film]) + "/retention").json();
        CHECK(retention["measured_plays"] == e.plays);
        REQUIRE(retention["share"].size() == 100);
        for (std::size_t k = 0; k < 100; ++k) {
            CAPTURE(k);
            CHECK(retention["share"][k].get<double>() == doctest::Approx(double(e.retention[k]) / e.plays));
        }
    }
    // Per country, from the viewers' addresses: exact plays, views and watch time, the unknown ones as null.
    const auto by_country = scenario_expected_by_country();
    REQUIRE(stats["countries"].size() == by_country.size());
    for (const auto& row : stats["countries"]) {
        const std::string country = row["country"].is_null() ? "" : row["country"].get<std::string>();
        CAPTURE(country);
        const auto& e = by_country.at(country);
        CHECK(row["plays"] == e.plays);
        CHECK(row["views"] == e.views);
        CHECK(row["watch_seconds"].get<double>() == doctest::Approx(e.watch_ms / 1000.0));
    }
    for (std::size_t i = 1; i < stats["countries"].size(); ++i)  // most views first
        CHECK(stats["countries"][i - 1]["views"].get<int>() >= stats["countries"][i]["views"].get<int>());
    // The date filter keeps one day; the home page's totals agree.
    const auto second_day = f.stats("?from=2026-06-02&to=2026-06-02");
    CHECK(second_day["totals"]["plays"] == 100);
    CHECK(second_day["days"].size() == 1);
    const auto festival = http_call(f.port(), "GET", "/api/festival").json();
    CHECK(festival["totals"]["views"] == expected.at(-1).views);
    CHECK(festival["totals"]["unique_viewers"] == expected.at(-1).unique_viewers);
    CHECK(festival["totals"]["watch_hours"].get<double>() == doctest::Approx(expected.at(-1).watch_ms / 3.6e6));
    CHECK(festival["totals"].contains("peak_live"));
}

TEST_CASE("inflated played values and a play id replayed on another film or by another viewer earn nothing extra") {
    audience_fixture f;
    const auto a = f.add_film("film-a", 10);
    const auto b = f.add_film("film-b", 10);
    const auto play = f.start_play("film-a", "greedy");
    for (int step = 1; step <= 6; ++step) {
        f.set_clock(t0 + step * 10'000);
        CHECK(f.beat(play, "greedy", step * 10, 5000) == 200);
    }
    CHECK(f.beat(play, "greedy", 70, 10, "heartbeat", {{"film", b}}) == 409);
    CHECK(f.beat(play, "someone else", 70, 10) == 403);
    const auto stats = f.stats();
    CHECK(film_row(stats, a)["watch_seconds"].get<double>() == doctest::Approx(60.0));
    CHECK(film_row(stats, a)["views"] == 1);
    CHECK(film_row(stats, b)["watch_seconds"].get<double>() == 0.0);
    CHECK(film_row(stats, b)["plays"] == 0);
    CHECK(stats["totals"]["watch_seconds"].get<double>() == doctest::Approx(60.0));
}

TEST_CASE("heartbeats for unknown or expired plays get 404 or 410 and change nothing") {
    audience_fixture f;
    f.add_film("film-a", 10);
    const auto ended = f.start_play("film-a", "v1");
    const auto idle = f.start_play("film-a", "v2");
    f.set_clock(t0 + 10'000);
    REQUIRE(f.beat(ended, "v1", 10, 10) == 200);
    REQUIRE(f.beat(ended, "v1", 10, 0, "end") == 204);
    const auto before = f.stats();
    CHECK(f.beat("0123456789abcdef0123456789abcdef", "v1", 10, 10) == 404);
    CHECK(f.beat("not-a-play", "v1", 10, 10) == 404);
    CHECK(f.beat(ended, "v1", 20, 10) == 410);
    CHECK(f.beat(ended, "v1", 20, 10, "end") == 410);
    f.set_clock(t0 + 11 * 60'000);  // ten minutes without a heartbeat
    CHECK(f.beat(idle, "v2", 10, 10) == 410);
    CHECK(f.beat(idle, "v2", 10, 10, "end") == 410);
    const auto after = f.stats();
    // Live figures are sampled once a second on the server's own schedule: the idle play stopped being
    // live meanwhile, and the sample of the minute both plays were live in may land between the reads.
    auto without_live = [](json rows) {
        for (auto& row : rows) row.erase("live"), row.erase("peak_live");
        return rows;
    };
    CHECK(without_live(json::array({after["totals"]})) == without_live(json::array({before["totals"]})));
    CHECK(without_live(after["films"]) == without_live(before["films"]));
    CHECK(http_call(f.port(), "POST", "/api/films/no-such-film/plays").status == 404);
    CHECK(f.beat(ended, "v1", -1, 10) == 400);
    const auto malformed = http_call(f.port(), "POST", "/api/plays/" + ended + "/heartbeat", "{not json");
    CHECK(malformed.status == 400);
    CHECK(malformed.json()["error"]["code"] == "malformed_json");  // the same code as every other route
    const auto not_object = http_call(f.port(), "POST", "/api/plays/" + ended + "/heartbeat", "[1, 2]");
    CHECK(not_object.status == 400);
    CHECK(not_object.json()["error"]["code"] == "invalid_body");
}

TEST_CASE("kill -9 loses at most the unwritten batch, and SIGTERM writes it") {
    // A long flush interval: only an explicit read (which flushes) or the shutdown writes a batch.
    audience_fixture f(std::map<std::string, std::string>{{"FESTIVAL_AUDIENCE_FLUSH_MS", "3600000"}});
    f.add_film("film-a", 10);
    const auto play = f.start_play("film-a", "v");
    for (int step = 1; step <= 3; ++step) {
        f.set_clock(t0 + step * 10'000);
        REQUIRE(f.beat(play, "v", step * 10, 10) == 200);
    }
    CHECK(f.stats()["totals"]["watch_seconds"].get<double>() == doctest::Approx(30.0));  // written now
    f.set_clock(t0 + 40'000);
    REQUIRE(f.beat(play, "v", 40, 10) == 200);  // only in memory
    f.server->kill_hard();
    f.start();
    CHECK(f.stats()["totals"]["watch_seconds"].get<double>() == doctest::Approx(30.0));

    const auto second = f.start_play("film-a", "v2");
    f.set_clock(t0 + 50'000);
    REQUIRE(f.beat(second, "v2", 10, 10) == 200);
    CHECK(f.server->stop() == 0);
    f.start();
    const auto stats = f.stats();
    CHECK(stats["totals"]["watch_seconds"].get<double>() == doctest::Approx(40.0));
    CHECK(stats["totals"]["plays"] == 2);
}

TEST_CASE("rotating the User-Agent from one address is capped with 429 and inflates neither views nor unique viewers") {
    audience_fixture f;
    const auto film = f.add_film("film-a", 10);
    std::vector<std::pair<std::string, std::string>> started;  // (play, agent)
    int refused = 0;
    for (int i = 0; i < 40; ++i) {
        const auto agent = "agent " + std::to_string(i);
        const auto r = f.try_start("film-a", agent);
        if (r.status == 201) {
            started.emplace_back(r.json()["play_id"].get<std::string>(), agent);
            continue;
        }
        ++refused;
        CHECK(r.status == 429);
        CHECK(r.json()["error"]["code"] == "too_many_play_starts");
        CHECK(std::stoi(r.header("retry-after")) >= 1);
        CHECK(std::stoi(r.header("retry-after")) <= 60);
    }
    CHECK(started.size() == 10);
    CHECK(refused == 30);
    f.set_clock(t0 + 31'000);
    for (const auto& [play, agent] : started) CHECK(f.beat(play, agent, 31, 31) == 200);
    // A minute later the start budget is back, but new user agents are not new viewers.
    f.set_clock(t0 + 95'000);
    for (int i = 40; i < 50; ++i) {
        const auto r = f.try_start("film-a", "agent " + std::to_string(i));
        CHECK(r.status == 429);
        CHECK(r.json()["error"]["code"] == "too_many_viewers");
    }
    // Another address is not affected.
    CHECK(f.try_start("film-a", "agent 0", nullptr, "127.0.0.2").status == 201);
    const auto row = film_row(f.stats(), film);
    CHECK(row["plays"] == 11);
    CHECK(row["views"] == 10);
    CHECK(row["unique_viewers"] == 11);
}

TEST_CASE("play starts are limited per address: 127.0.0.2 is refused at the eleventh in a minute, 127.0.0.3 is not") {
    audience_fixture f;
    f.add_film("film-a", 10);
    for (int i = 0; i < 10; ++i) REQUIRE(f.try_start("film-a", "same browser", nullptr, "127.0.0.2").status == 201);
    const auto eleventh = f.try_start("film-a", "same browser", nullptr, "127.0.0.2");
    CHECK(eleventh.status == 429);
    CHECK(eleventh.header("retry-after") == "60");
    CHECK(f.try_start("film-a", "same browser", nullptr, "127.0.0.3").status == 201);
    CHECK(f.try_start("film-a", "same browser", nullptr, "127.0.0.4").status == 201);
    f.set_clock(t0 + 60'000);
    CHECK(f.try_start("film-a", "same browser", nullptr, "127.0.0.2").status == 201);
}

TEST_CASE("one report at the end of the runtime after 2 s of playback is not a completed play") {
    audience_fixture f;
    const auto film = f.add_film("film-a", 10);
    const auto play = f.start_play("film-a", "v");
    f.set_clock(t0 + 2'000);
    CHECK(f.beat(play, "v", 600, 600, "end") == 204);
    const auto row = film_row(f.stats(), film);
    CHECK(row["watch_seconds"].get<double>() == doctest::Approx(2.0));
    CHECK(row["completed"] == 0);
    const auto retention = f.organizer().call("GET", "/api/stats/films/film-a/retention").json();
    for (const auto& share : retention["share"]) CHECK(share.get<double>() == 0.0);
}

TEST_CASE("a flood of play starts leaves a bounded plays table, and old rows go while the totals stay") {
    audience_fixture f;
    const auto film = f.add_film("film-a", 10);
    int accepted = 0;
    for (int i = 0; i < 300; ++i) accepted += f.try_start("film-a", "flood " + std::to_string(i)).status == 201;
    CHECK(accepted == 10);
    const auto before = f.stats()["totals"];
    CHECK(before["plays"] == 10);
    CHECK(f.play_rows() == 10);
    // Three days later a new play arrives; the rows of the old plays are pruned, their counts stay.
    f.set_clock(t0 + 3 * 86'400'000LL);
    f.start_play("film-a", "tomorrow's viewer");
    const auto after = f.stats();
    CHECK(f.play_rows() == 1);
    CHECK(after["totals"]["plays"] == 11);
    CHECK(after["totals"]["unique_viewers"] == before["unique_viewers"].get<int>() + 1);
    CHECK(film_row(after, film)["plays"] == 11);
}
