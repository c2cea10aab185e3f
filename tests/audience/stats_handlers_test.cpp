// The statistics handlers through the real route table and dispatcher, in process.
#include <doctest/doctest.h>

#include "catalog/stats.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/in_process_checks.hpp"

using namespace festival::testing;
using festival::catalog::role;
using nlohmann::json;

TEST_CASE("only organizers read the statistics") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    const auto organizer = f.add_staff("organizer@festival.test", role::organizer);
    auto film = film_body("film-a");
    film["runtime_minutes"] = 10;
    REQUIRE(f.call_as(curator, "POST", "/api/films", film.dump()).status == 201);
    for (const std::string target : {"/api/stats", "/api/stats/export?format=csv", "/api/stats/live",
                                     "/api/stats/films/film-a/retention", "/api/stats/concurrency"}) {
        CAPTURE(target);
        CHECK(f.call("GET", target).status == 401);
        CHECK(f.call_as(curator, "GET", target).status == 403);
    }
    CHECK(f.call_as(organizer, "GET", "/api/stats").status == 200);
    CHECK(f.call_as(organizer, "GET", "/api/stats?from=2026-02-31").status == 400);
    CHECK(f.call_as(organizer, "GET", "/api/stats?from=2026-06-02&to=2026-06-01").status == 400);
    const auto csv = f.call_as(organizer, "GET", "/api/stats/export?format=csv&table=films");
    CHECK(csv.status == 200);
    CHECK(std::string(csv.header("content-type").value_or("")).find("text/csv") == 0);
    CHECK(csv.body.find("film_id,slug,title,plays,views") == 0);
    CHECK(csv.body.find("film-a") != std::string::npos);
    const auto exported = f.call_as(organizer, "GET", "/api/stats/export?format=json&table=days");
    CHECK(exported.status == 200);
    CHECK(json_of(exported)["days"].is_array());
    CHECK(f.call_as(organizer, "GET", "/api/stats/films/nothing/retention").status == 404);
    const auto concurrency = f.call_as(organizer, "GET", "/api/stats/concurrency?day=2026-06-01&film=film-a");
    CHECK(concurrency.status == 200);
    CHECK(json_of(concurrency)["day"] == "2026-06-01");
    CHECK(json_of(concurrency)["minutes"].is_array());
    CHECK(f.call_as(organizer, "GET", "/api/stats/concurrency?day=June").status == 400);
}

TEST_CASE("once the audience is handed over, play starts, heartbeats and ends are sent on with 307 and close") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    REQUIRE(f.call_as(curator, "POST", "/api/films", film_body("film-a").dump()).status == 201);
    const auto started = f.call("POST", "/api/films/film-a/plays");
    REQUIRE(started.status == 201);
    const auto play = json_of(started)["play_id"].get<std::string>();
    const std::string beat = R"({"position": 1, "played": 1})";
    REQUIRE(f.call("POST", "/api/plays/" + play + "/heartbeat", beat).status == 200);

    f.app().audience.hand_over(f.db());
    const std::vector<std::string> targets = {"/api/films/film-a/plays", "/api/plays/" + play + "/heartbeat",
                                              "/api/plays/" + play + "/end"};
    for (const auto& target : targets) {
        CAPTURE(target);
        const auto moved = f.call("POST", target, beat);
        CHECK(moved.status == 307);
        CHECK(moved.header("location").value_or("") == target);
        CHECK(moved.header("cache-control").value_or("") == "no-store");
        CHECK(moved.close_connection);
        CHECK(json_of(moved)["error"]["code"] == "server_restarting");
    }
}

TEST_CASE("organizers read plays, views and watch time per country, and export them per day, film and country") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    const auto organizer = f.add_staff("organizer@festival.test", role::organizer);
    const auto created = f.call_as(curator, "POST", "/api/films", film_body("film-a").dump());
    REQUIRE(created.status == 201);
    const auto film = json_of(created)["id"].get<std::int64_t>();
    const auto day = *festival::catalog::parse_day("2026-06-01");
    festival::catalog::stats_batch batch;
    batch.countries[{film, day, "FR"}] = {3, 2, 90'000};
    batch.countries[{film, day, "BE"}] = {1, 1, 36'000};
    batch.countries[{film, day + 1, "FR"}] = {1, 0, 7'200'000};
    batch.countries[{film, day + 1, ""}] = {2, 1, 40'000};
    festival::catalog::write_stats_batch(f.db(), batch);

    const auto stats = json_of(f.call_as(organizer, "GET", "/api/stats"));
    REQUIRE(stats["countries"].size() == 3);
    CHECK(stats["countries"][0] == json{{"country", "FR"}, {"plays", 4}, {"views", 2}, {"watch_seconds", 7290.0},
                                        {"watch_hours", 2.025}});
    CHECK(stats["countries"][1]["country"] == "BE");  // one view each: the unknown country last
    CHECK(stats["countries"][1]["watch_seconds"] == 36.0);
    CHECK(stats["countries"][2]["country"].is_null());  // unknown
    CHECK(stats["countries"][2]["plays"] == 2);
    const auto first_day = json_of(f.call_as(organizer, "GET", "/api/stats?to=2026-06-01"));
    REQUIRE(first_day["countries"].size() == 2);
    CHECK(first_day["countries"][0]["views"] == 2);

    const auto csv = f.call_as(organizer, "GET", "/api/stats/export?format=csv&table=countries");
    REQUIRE(csv.status == 200);
    CHECK(csv.body == "day,film_id,slug,title,country,plays,views,watch_hours\r\n"
                      "2026-06-01," + std::to_string(film) + ",film-a,Film film-a,BE,1,1,0.01\r\n"
                      "2026-06-01," + std::to_string(film) + ",film-a,Film film-a,FR,3,2,0.025\r\n"
                      "2026-06-02," + std::to_string(film) + ",film-a,Film film-a,,2,1,0.0111111\r\n"
                      "2026-06-02," + std::to_string(film) + ",film-a,Film film-a,FR,1,0,2\r\n");
    const auto france = f.call_as(organizer, "GET", "/api/stats/export?format=json&table=countries&country=fr");
    REQUIRE(france.status == 200);
    CHECK(france.header("content-disposition").value_or("").find("festival-countries-FR.json") != std::string::npos);
    const auto rows = json_of(france)["countries"];
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["day"] == "2026-06-01");
    CHECK(rows[1]["views"] == 0);
    const auto unknown = json_of(f.call_as(organizer, "GET", "/api/stats/export?format=json&table=countries&country=unknown"));
    REQUIRE(unknown["countries"].size() == 1);
    CHECK(unknown["countries"][0]["country"].is_null());
    CHECK(unknown["countries"][0]["plays"] == 2);
    for (const std::string bad : {"FRA", "F1", "%C3%A9t"}) {
        CAPTURE(bad);
        const auto refused = f.call_as(organizer, "GET", "/api/stats/export?table=countries&country=" + bad);
        CHECK(refused.status == 400);
        CHECK(json_of(refused)["error"]["code"] == "invalid_query");
    }
}
