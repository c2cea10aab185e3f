// The jobs HTTP API on a real `festival serve` that starts one transcoder worker.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "catalog/database.hpp"
#include "catalog/film_json.hpp"
#include "catalog/film_curators.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/transcoder/media_tools.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
namespace catalog = festival::catalog;
namespace fs = std::filesystem;
using nlohmann::json;

TEST_CASE("curators follow a job to publication, list a film's jobs and cancel a queued one over HTTP") {
    temp_dir dir;
    const std::string password = "curator password 123";
    add_user_with_cli(dir.path(), "curator@festival.test", "curator", password);
    const auto clip = dir.path() / "film.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=12", "-f", "lavfi", "-i", "sine=d=12", "-c:v", "libx264",
                "-preset", "ultrafast", "-c:a", "aac", "-shortest", clip.string()});
    std::int64_t film = 0, first = 0, second = 0;
    {
        auto db = catalog::open_catalog(festival::test::catalog_location_of(dir.path()));
        film = catalog::create_film(db, catalog::film_from_json({{"slug", "la-traversee"},
                                                                  {"original_title", "La traversée"},
                                                                  {"category", "short"},
                                                                  {"published", true}}))
                   .id;
        catalog::set_film_curators(db, film, {"curator@festival.test"});  // the film is this curator's
        first = catalog::enqueue_job(db, film, clip.string(), {});
        second = catalog::enqueue_job(db, film, clip.string(), {});
    }
    festival_process server(dir.path().string(), {"--transcoders", "1", "--transcoder", FESTIVAL_TRANSCODER_EXE});
    const auto jobs_of = [&](std::int64_t id) { return "/api/jobs/" + std::to_string(id); };

    CHECK(http_call(server.port(), "GET", jobs_of(first)).status == 401);
    const auto curator = sign_in(server.port(), "curator@festival.test", password);

    // The second job waits behind the first: cancel it.
    const auto cancelled = curator.call("POST", jobs_of(second) + "/cancel");
    REQUIRE(cancelled.status == 200);
    CHECK(cancelled.json()["status"] == "cancelled");
    CHECK(curator.call("POST", jobs_of(second) + "/cancel").status == 409);
    CHECK(curator.call("POST", "/api/jobs/424242/cancel").status == 404);
    CHECK(curator.call("GET", "/api/jobs/not-a-number").status == 404);

    // Server-sent events until the job is done.
    const auto events = curator.call("GET", jobs_of(first) + "/events");
    REQUIRE(events.status == 200);
    CHECK(events.header("content-type").find("text/event-stream") != std::string::npos);
    std::vector<json> states;
    for (std::size_t at = events.body.find("data: "); at != std::string::npos; at = events.body.find("data: ", at + 1))
        states.push_back(json::parse(events.body.substr(at + 6, events.body.find('\n', at) - at - 6)));
    REQUIRE(states.size() >= 2);
    CHECK(states.back()["status"] == "done");
    CHECK(states.back()["progress"] == 100.0);
    CHECK(states.back()["id"] == first);

    const auto job = curator.call("GET", jobs_of(first));
    REQUIRE(job.status == 200);
    CHECK(job.json()["status"] == "done");
    CHECK(job.json()["attempts"] == 1);

    const auto listed = curator.call("GET", "/api/films/la-traversee/jobs");
    REQUIRE(listed.status == 200);
    REQUIRE(listed.json()["jobs"].size() == 2);
    CHECK(listed.json()["jobs"][0]["id"] == second);  // newest first
    CHECK(listed.json()["jobs"][1]["id"] == first);
    CHECK(curator.call("GET", "/api/films/nothing-here/jobs").status == 404);
    // The curators' film list carries each film's newest job; the public list does not.
    const auto mine = curator.call("GET", "/api/films?include=unpublished&per_page=100").json();
    bool seen = false;
    for (const auto& item : mine["items"]) {
        REQUIRE(item.contains("latest_job"));
        if (item["id"] != film) continue;
        seen = true;
        CHECK(item["latest_job"]["id"] == second);
        CHECK(item["latest_job"]["status"] == "cancelled");
    }
    CHECK(seen);
    // The document is kept: a range-for over a part of a temporary would read freed memory (ASan).
    const auto public_list = http_call(server.port(), "GET", "/api/films").json();
    for (const auto& item : public_list["items"]) CHECK_FALSE(item.contains("latest_job"));

    // The film now streams from the published version.
    const auto film_json = http_call(server.port(), "GET", "/api/films/la-traversee").json();
    CHECK(film_json["media"]["version"] == first);
    const std::string master = film_json["media"]["master"];
    CHECK(master.starts_with("/media/" + std::to_string(film) + "/v" + std::to_string(first) + "/"));
    int status = 0;
    for (int i = 0; i < 100 && status != 200; ++i) {  // the server re-reads availability every few seconds
        status = http_call(server.port(), "GET", master).status;
        if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(status == 200);
    CHECK_FALSE(fs::exists(dir.path() / "media" / std::to_string(film) / ("v" + std::to_string(second))));
    CHECK(server.stop() == 0);
}
