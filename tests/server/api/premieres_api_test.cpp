// Premieres through the API, in process: who may schedule and cancel, the refusals, the film JSON's
// coming premieres, the organizers' list and statistics, the calendar file.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/inserted_id.hpp"
#include "catalog/premieres.hpp"
#include "server/api/calendar_file.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/in_process_checks.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/media/media_layout.hpp"

using namespace festival::testing;
using festival::catalog::format_utc;
using festival::catalog::unix_now;
using nlohmann::json;

namespace {

constexpr double film_seconds = 5400.5;  // what the version's manifest says

// Ana (curator) made the published film "seance" with a version whose manifest says 5400.5 s; Ben is
// another curator; an organizer; and anonymous viewers.
struct premieres_fixture : in_process_festival {
    in_process_client ana{this, add_staff("ana@festival.test", festival::catalog::role::curator)};
    in_process_client ben{this, add_staff("ben@festival.test", festival::catalog::role::curator)};
    in_process_client organizer{this, add_staff("organizer@festival.test", festival::catalog::role::organizer)};
    std::int64_t film_id = 0;

    premieres_fixture() { film_id = add_film(ana, "seance", true); }

    std::int64_t add_film(const in_process_client& who, const std::string& slug, bool with_version) {
        const auto created = who.call("POST", "/api/films", film_body(slug).dump());
        REQUIRE(created.status == 201);
        const std::int64_t id = created.json()["id"];
        if (with_version) {
            festival::media::hls_version version;
            version.variants.push_back({"360p/index.m3u8", 800000, 0, 640, 360, "avc1.64001e,mp4a.40.2", 25});
            version.duration_seconds = film_seconds;
            const auto layout = festival::media::media_layout(data_dir()).version(id, 3);
            std::filesystem::create_directories(layout.root());
            festival::media::write_version(layout, version);
            db().prepare("UPDATE films SET media_version = 3 WHERE id = ?1").bind(1, id).run();
        }
        return id;
    }
    std::string film(const std::string& slug = "seance") const { return "/api/films/" + slug; }
    http_result anonymous(const std::string& method, const std::string& target, const std::string& body = "") {
        return as_http_result(call(method, target, body));
    }
};

// An instant `seconds` from now, stated in Paris winter time as a person would type it.
std::string in_paris(std::int64_t seconds) {
    auto text = format_utc(unix_now() + seconds + 3600);
    text.pop_back();  // "Z"
    return text + "+01:00";
}

json schedule_body(const std::string& starts_at, int qa_minutes = 45, const std::string& note = "") {
    return {{"starts_at", starts_at}, {"qa_minutes", qa_minutes}, {"note", note}};
}

std::string code_of(const http_result& r) { return r.json()["error"]["code"].get<std::string>(); }

// A premiere written straight into the catalog, for times the API refuses (already started).
std::int64_t insert_premiere(festival::catalog::database& db, std::int64_t film, std::int64_t starts, int qa_minutes) {
    auto insert = db.prepare(
        "INSERT INTO premieres (film_id, starts_at, duration_seconds, qa_minutes, created_at) "
        "VALUES (?1, ?2, 600, ?3, ?2) RETURNING id");
    insert.bind(1, film).bind(2, format_utc(starts)).bind(3, qa_minutes);
    return festival::catalog::inserted_id(insert);
}

}  // namespace

TEST_CASE("organizers and the film's own curators schedule and cancel premieres, nobody else") {
    premieres_fixture f;
    const auto starts_at = in_paris(7200);
    const auto body = schedule_body(starts_at, 45, "avec la réalisatrice").dump();
    CHECK(f.anonymous("POST", f.film() + "/premieres", body).status == 401);
    const auto by_ben = f.ben.call("POST", f.film() + "/premieres", body);
    CHECK(by_ben.status == 403);
    CHECK(code_of(by_ben) == "not_your_film");

    const auto before_ms = unix_now() * 1000;
    const auto by_ana = f.ana.call("POST", f.film() + "/premieres", body);
    REQUIRE(by_ana.status == 201);
    const auto p = by_ana.json();
    CHECK(p["film"] == "seance");
    CHECK(p["film_id"] == f.film_id);
    CHECK(p["title"] == "Film seance");
    CHECK(p["starts_at"] == format_utc(festival::catalog::parse_stored_time(starts_at).value()));
    CHECK(p["duration_seconds"] == doctest::Approx(film_seconds));  // from the current version's manifest
    CHECK(p["qa_minutes"] == 45);
    CHECK(p["note"] == "avec la réalisatrice");
    CHECK(p["phase"] == "scheduled");
    CHECK(p["now"].get<std::int64_t>() >= before_ms);
    CHECK(p["now"].get<std::int64_t>() < before_ms + 60'000);
    CHECK(by_ana.headers.at("location") == "/api/premieres/" + std::to_string(p["id"].get<std::int64_t>()));
    const auto by_organizer = f.organizer.call("POST", f.film() + "/premieres", schedule_body(in_paris(86400)).dump());
    REQUIRE(by_organizer.status == 201);

    const auto one = "/api/premieres/" + std::to_string(p["id"].get<std::int64_t>());
    CHECK(f.anonymous("DELETE", one).status == 401);
    CHECK(code_of(f.ben.call("DELETE", one)) == "not_your_film");
    CHECK(f.anonymous("GET", one).status == 200);
    CHECK(f.ana.call("DELETE", one).status == 204);
    CHECK(f.anonymous("GET", one).status == 404);
    CHECK(code_of(f.ana.call("DELETE", one)) == "premiere_not_found");
    const auto other = "/api/premieres/" + std::to_string(by_organizer.json()["id"].get<std::int64_t>());
    CHECK(f.organizer.call("DELETE", other).status == 204);
    CHECK(f.organizer.call("GET", "/api/premieres").json()["items"].empty());
}

TEST_CASE("scheduling refuses what no premiere can be, each with its code") {
    premieres_fixture f;
    const auto post = [&](const std::string& film, const json& body) {
        return f.organizer.call("POST", f.film(film) + "/premieres", body.dump());
    };
    CHECK(code_of(post("seance", schedule_body("2026-12-01T20:00:00"))) == "invalid_time");  // no offset: no instant
    CHECK(code_of(post("seance", schedule_body("demain soir"))) == "invalid_time");
    CHECK(code_of(post("seance", json{{"qa_minutes", 10}})) == "invalid_time");
    CHECK(code_of(post("seance", schedule_body(format_utc(unix_now() - 60)))) == "in_the_past");
    CHECK(code_of(post("seance", schedule_body(in_paris(3600), 2000))) == "invalid_qa_minutes");
    CHECK(code_of(post("seance", schedule_body(in_paris(3600), 10, std::string(501, 'x')))) == "too_long");
    CHECK(code_of(post("nope", schedule_body(in_paris(3600)))) == "film_not_found");

    f.add_film(f.organizer, "no-version", false);
    const auto without = post("no-version", schedule_body(in_paris(3600)));
    CHECK(without.status == 400);
    CHECK(code_of(without) == "no_version");

    // The screening window closes two hours from now: a 90-minute film fits only if it starts in time.
    const auto closes = format_utc(unix_now() + 7200);
    REQUIRE(f.organizer.call("PATCH", f.film(), json{{"available_until", closes}}.dump()).status == 200);
    CHECK(code_of(post("seance", schedule_body(in_paris(3600)))) == "outside_window");
    const auto fits = post("seance", schedule_body(in_paris(600), 0));
    REQUIRE(fits.status == 201);
    // Another premiere of the same film while the first one's film runs.
    CHECK(code_of(post("seance", schedule_body(in_paris(1200), 0))) == "overlapping");

    const auto unknown = f.anonymous("GET", "/api/premieres/999999");
    CHECK(unknown.status == 404);
    CHECK(code_of(unknown) == "premiere_not_found");
    CHECK(code_of(f.anonymous("GET", "/api/premieres/abc")) == "premiere_not_found");
    CHECK(f.anonymous("GET", "/api/premieres/999999/calendar.ics").status == 404);
}

TEST_CASE("the film JSON lists its coming and current premieres, soonest first, with the server's clock") {
    premieres_fixture f;
    const auto now = unix_now();
    const auto ended = insert_premiere(f.db(), f.film_id, now - 7200, 10);   // over an hour ago
    const auto current = insert_premiere(f.db(), f.film_id, now - 60, 30);   // screening now
    const auto coming = f.organizer.call("POST", f.film() + "/premieres", schedule_body(in_paris(86400), 30).dump());
    REQUIRE(coming.status == 201);

    const auto film = f.anonymous("GET", f.film());
    REQUIRE(film.status == 200);
    const auto listed = film.json()["premieres"];
    REQUIRE(listed.size() == 2);
    CHECK(listed[0]["id"] == current);
    CHECK(listed[0]["phase"] == "screening");
    CHECK(listed[1]["id"] == coming.json()["id"]);
    CHECK(listed[1]["phase"] == "scheduled");
    CHECK(listed[0]["now"].get<std::int64_t>() >= now * 1000);  // the countdown's clock

    const auto own = f.anonymous("GET", f.film() + "/premieres");
    REQUIRE(own.status == 200);
    REQUIRE(own.json()["items"].size() == 2);
    CHECK(own.json()["items"][0]["id"] == current);
    CHECK(own.json()["items"][1]["starts_at"] == listed[1]["starts_at"]);
    CHECK(own.json()["now"].get<std::int64_t>() >= now * 1000);

    const auto single = f.anonymous("GET", "/api/premieres/" + std::to_string(current));
    REQUIRE(single.status == 200);
    CHECK(single.json()["phase"] == "screening");
    CHECK(single.json()["title"] == "Film seance");
    CHECK(single.json()["now"].get<std::int64_t>() >= now * 1000);
    CHECK(f.anonymous("GET", "/api/premieres/" + std::to_string(ended)).json()["phase"] == "ended");

    // An unpublished film's premieres are the staff's until it is published.
    REQUIRE(f.organizer.call("PATCH", f.film(), json{{"published", false}}.dump()).status == 200);
    CHECK(f.anonymous("GET", "/api/premieres/" + std::to_string(current)).status == 404);
    CHECK(f.anonymous("GET", f.film() + "/premieres").status == 404);
    CHECK(f.ben.call("GET", "/api/premieres/" + std::to_string(current)).status == 200);
}

TEST_CASE("organizers list every premiere with its attendance, and the statistics carry it") {
    premieres_fixture f;
    const auto scheduled = f.ana.call("POST", f.film() + "/premieres", schedule_body(in_paris(3600)).dump());
    REQUIRE(scheduled.status == 201);
    const std::int64_t id = scheduled.json()["id"];
    festival::catalog::record_premiere_attendance(f.db(), id, 41, 97);

    CHECK(f.anonymous("GET", "/api/premieres").status == 401);
    CHECK(f.ana.call("GET", "/api/premieres").status == 403);
    const auto all = f.organizer.call("GET", "/api/premieres");
    REQUIRE(all.status == 200);
    REQUIRE(all.json()["items"].size() == 1);
    CHECK(all.json()["items"][0]["id"] == id);
    CHECK(all.json()["items"][0]["title"] == "Film seance");
    CHECK(all.json()["items"][0]["attendance"] == json{{"peak", 41}, {"total", 97}});
    CHECK(all.json()["now"].is_number_integer());

    const auto stats = f.organizer.call("GET", "/api/stats");
    REQUIRE(stats.status == 200);
    REQUIRE(stats.json()["premieres"].size() == 1);
    const auto row = stats.json()["premieres"][0];
    CHECK(row["id"] == id);
    CHECK(row["film"] == "seance");
    CHECK(row["starts_at"] == scheduled.json()["starts_at"]);
    CHECK(row["peak"] == 41);
    CHECK(row["total"] == 97);
}

TEST_CASE("the calendar file: one event in UTC, the film's title, the note escaped, lines folded") {
    premieres_fixture f;
    const std::string title = "Le Voyage à Nantes, épisode; \"un\"";
    REQUIRE(f.organizer.call("PATCH", f.film(), json{{"original_title", title}}.dump()).status == 200);
    const auto scheduled = f.organizer.call(
        "POST", f.film() + "/premieres", schedule_body(in_paris(3600), 30, "Q&A: la réalisatrice, en français;\nvenez").dump());
    REQUIRE(scheduled.status == 201);
    const std::int64_t id = scheduled.json()["id"];
    const auto starts = festival::catalog::parse_utc(scheduled.json()["starts_at"].get<std::string>()).value();

    const auto ics = as_http_result(f.call("GET", "/api/premieres/" + std::to_string(id) + "/calendar.ics", "",
                                           {{"Host", "festival.example:8080"}}));
    REQUIRE(ics.status == 200);
    CHECK(ics.headers.at("content-type") == "text/calendar; charset=utf-8");
    const auto& text = ics.body;
    CHECK(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    CHECK(text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
    CHECK(text.find("UID:premiere-" + std::to_string(id) + "@festival.example\r\n") != std::string::npos);
    CHECK(text.find("DTSTART:" + festival::server::calendar_utc(starts) + "\r\n") != std::string::npos);
    // The film (5400.5 s, so 5401) and its 30-minute Q&A.
    CHECK(text.find("DTEND:" + festival::server::calendar_utc(starts + 5401 + 1800) + "\r\n") != std::string::npos);
    CHECK(text.find("SUMMARY:Le Voyage à Nantes\\, épisode\\; \"un\"\r\n") != std::string::npos);
    CHECK(text.find("DESCRIPTION:Q&A: la réalisatrice\\, en français\\;\\nvenez\r\n") != std::string::npos);
    CHECK(text.find("URL:http://festival.example:8080/en/premieres/" + std::to_string(id) + "\r\n") != std::string::npos);
    CHECK(text.find("BEGIN:VEVENT") == text.rfind("BEGIN:VEVENT"));  // one event
    for (std::size_t at = 0, end; (end = text.find("\r\n", at)) != std::string::npos; at = end + 2)
        CHECK(end - at <= 75);
}
