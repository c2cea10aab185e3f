// The statistics handlers through the real route table and dispatcher, in process.
#include <doctest/doctest.h>

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
