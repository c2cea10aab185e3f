// Rights rules (docs/rights.md) through the real route table, in process: the geo database's
// countries (a database written by tests/support/write_geo_database.pl), viewer passes and their
// windows on the test clock, an exact cap on views under concurrent first visits, the film JSON of
// gated and ungated films, /media and heartbeats refused for an excluded country.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "catalog/clock.hpp"
#include "catalog/film_rights.hpp"
#include "server/geo/country_database.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/in_process_checks.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;
using festival::catalog::role;
namespace catalog = festival::catalog;
namespace geo = festival::server::geo;

namespace {

// 127.0.0.2 is in France, 127.0.0.3 in Germany, 2001:db8::/32 in Belgium; 127.0.0.1 nowhere.
std::string write_geo_database(const std::filesystem::path& folder) {
    const auto file = (folder / "countries.mmdb").string();
    const std::string command = std::string("perl ") + FESTIVAL_SOURCE_DIR + "/tests/support/write_geo_database.pl " +
                                file + " 127.0.0.2/32=FR 127.0.0.3/32=DE 2001:db8::/32=BE";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("could not write the geo database: " + command);
    return file;
}

std::string pass_of(int n) {
    char hex[33];
    std::snprintf(hex, sizeof hex, "%032x", n);
    return hex;
}

struct rights_festival {
    temp_dir work;
    std::string clock_file = (work.path() / "clock").string();
    std::string geo_file = write_geo_database(work.path());
    in_process_festival f{{"--geo-database", geo_file, "--test-clock-file", clock_file}};
    in_process_session organizer = f.add_staff("organizer@festival.test", role::organizer);

    rights_festival() { set_clock(1'800'000'000); }
    void set_clock(std::int64_t unix_seconds) { std::ofstream(clock_file) << unix_seconds * 1000; }

    // A published film screening now with a version on disk (a master and a segment), and these rights.
    int film(const std::string& slug, const nlohmann::json& rights) {
        auto body = film_body(slug);
        body["rights"] = rights;
        const auto created = f.call_as(organizer, "POST", "/api/films", body.dump());
        REQUIRE(created.status == 201);
        const int id = json_of(created)["id"];
        const auto folder = std::filesystem::path(f.data_dir()) / "media" / std::to_string(id) / "v1";
        std::filesystem::create_directories(folder);
        std::ofstream(folder / "master.m3u8") << "#EXTM3U\n";
        std::ofstream(folder / "seg.m4s") << std::string(100, 's');
        f.db().exec("UPDATE films SET media_version = 1 WHERE id = " + std::to_string(id));
        f.app().refresh_availability();
        return id;
    }
    nlohmann::json film_json(int id, const std::string& from = "127.0.0.1") {
        const auto r = f.call("GET", "/api/films/" + std::to_string(id), "", {}, from);
        REQUIRE(r.status == 200);
        return json_of(r);
    }
    festival::server::http_response access(int id, const std::string& pass, const std::string& from = "127.0.0.1") {
        return f.call("POST", "/api/films/" + std::to_string(id) + "/access", nlohmann::json{{"pass", pass}}.dump(), {}, from);
    }
    festival::server::http_response start(int id, const std::string& pass, const std::string& from = "127.0.0.1") {
        const auto body = pass.empty() ? nlohmann::json::object() : nlohmann::json{{"pass", pass}};
        return f.call("POST", "/api/films/" + std::to_string(id) + "/plays", body.dump(), {}, from);
    }
};

}  // namespace

TEST_CASE("the geo database gives IPv4, IPv6 and IPv4-mapped addresses their country, and nothing else one") {
    temp_dir work;
    const geo::country_database db(write_geo_database(work.path()));
    CHECK(db.country_of("127.0.0.2").text() == "FR");
    CHECK(db.country_of("127.0.0.3").text() == "DE");
    CHECK(db.country_of("::ffff:127.0.0.3").text() == "DE");
    CHECK(db.country_of("2001:db8::7").text() == "BE");
    CHECK_FALSE(db.country_of("127.0.0.1").known());
    CHECK_FALSE(db.country_of("2001:db9::1").known());
    for (const char* bad : {"", "not an address", "127.0.0.2/32", "127.0.0.2 ", "1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16"}) {
        CAPTURE(bad);
        CHECK_FALSE(db.country_of(bad).known());
    }
}

TEST_CASE("a geo database that is missing or not a MaxMind file is refused, naming it") {
    temp_dir work;
    std::ofstream(work.path() / "bogus.mmdb") << "not a database";
    CHECK_THROWS_WITH_AS(geo::country_database((work.path() / "missing.mmdb").string()),
                         doctest::Contains("missing.mmdb"), std::runtime_error);
    CHECK_THROWS_WITH_AS(geo::country_database((work.path() / "bogus.mmdb").string()),
                         doctest::Contains("bogus.mmdb"), std::runtime_error);
}

TEST_CASE("a pass has start_hours from its registration to its first play, then watch_hours to finish") {
    in_process_festival f;
    const auto organizer = f.add_staff("organizer@festival.test", role::organizer);
    const int id = json_of(f.call_as(organizer, "POST", "/api/films", film_body("window").dump()))["id"];
    const catalog::film_rights rights{{}, std::nullopt, 72, 24};
    const auto pass = pass_of(1);
    const std::int64_t t0 = 1'000'000;

    auto first = catalog::admit_pass(f.db(), id, rights, pass, t0, false);
    CHECK(first.refusal == catalog::pass_refusal::none);
    CHECK(first.pass.registered_at == t0);
    CHECK_FALSE(first.pass.started_at);
    CHECK(catalog::start_until(rights, first.pass) == t0 + 72 * 3600);
    // Coming back inside the start window changes nothing; the first play start opens the watch window.
    CHECK(catalog::admit_pass(f.db(), id, rights, pass, t0 + 72 * 3600 - 1, false).pass.registered_at == t0);
    const auto started = catalog::admit_pass(f.db(), id, rights, pass, t0 + 10 * 3600, true);
    CHECK(started.refusal == catalog::pass_refusal::none);
    CHECK(started.pass.started_at == t0 + 10 * 3600);
    CHECK(catalog::watch_until(rights, started.pass) == t0 + 34 * 3600);
    // Started once: the start window no longer applies, a second start keeps the first one's time.
    CHECK(catalog::admit_pass(f.db(), id, rights, pass, t0 + 33 * 3600, true).pass.started_at == t0 + 10 * 3600);
    CHECK(catalog::admit_pass(f.db(), id, rights, pass, t0 + 34 * 3600, false).refusal == catalog::pass_refusal::watch_window);

    // Another pass that never starts in time.
    const auto late = pass_of(2);
    CHECK(catalog::admit_pass(f.db(), id, rights, late, t0, false).refusal == catalog::pass_refusal::none);
    CHECK(catalog::admit_pass(f.db(), id, rights, late, t0 + 72 * 3600, true).refusal == catalog::pass_refusal::start_window);
    CHECK_FALSE(catalog::find_pass(f.db(), id, late)->started_at);
    CHECK(catalog::film_pass_count(f.db(), id) == 2);
    CHECK_THROWS_AS(catalog::admit_pass(f.db(), id, rights, "ABCDEF", t0, false), catalog::catalog_error);
}

TEST_CASE("max_views holds exactly when many viewers arrive at once") {
    in_process_festival f;
    const auto organizer = f.add_staff("organizer@festival.test", role::organizer);
    const int id = json_of(f.call_as(organizer, "POST", "/api/films", film_body("capped").dump()))["id"];
    const catalog::film_rights rights{{}, 5, std::nullopt, std::nullopt};
    constexpr int threads = 8;
    constexpr int passes_each = 6;
    std::atomic<int> admitted{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> viewers;
    for (int t = 0; t < threads; ++t)
        viewers.emplace_back([&f, &admitted, &refused, &rights, id, t] {
            for (int i = 0; i < passes_each; ++i) {
                // Each thread on its own connection, as the server's worker threads are.
                const auto result = catalog::admit_pass(f.app().catalog.local(), id, rights, pass_of(t * 100 + i), 1000, false);
                (result.refusal == catalog::pass_refusal::none ? admitted : refused)++;
            }
        });
    for (auto& v : viewers) v.join();
    CHECK(admitted.load() == 5);
    CHECK(refused.load() == threads * passes_each - 5);
    CHECK(catalog::film_pass_count(f.db(), id) == 5);
}

TEST_CASE("an ungated film's JSON is as before: its token, and access not required") {
    rights_festival r;
    const int id = r.film("open", nullptr);
    const auto j = r.film_json(id);
    CHECK(j["media"]["token"].is_string());
    CHECK(j["media"]["master"].is_string());
    CHECK(j["access"] == nlohmann::json{{"required", false}, {"refusal", nullptr}});
    CHECK(j["rights"] == nlohmann::json{{"countries", nlohmann::json::array()}, {"max_views", nullptr},
                                        {"start_hours", nullptr}, {"watch_hours", nullptr}});
    // Play start needs no pass.
    CHECK(r.start(id, "").status == 201);
}

TEST_CASE("a gated film's JSON has no token, and an access with a pass gets the media and counts a view") {
    rights_festival r;
    const int id = r.film("gated", {{"max_views", 3}, {"start_hours", 72}, {"watch_hours", 24}});
    const auto j = r.film_json(id);
    CHECK(j["rights"]["max_views"] == 3);
    CHECK(j["access"] == nlohmann::json{{"required", true}, {"refusal", nullptr}});
    CHECK(j["media"]["version"] == 1);
    for (const char* hidden : {"token", "master", "poster", "storyboard", "token_expires"}) {
        CAPTURE(hidden);
        CHECK_FALSE(j["media"].contains(hidden));
    }
    CHECK(j.dump().find("/media/") == std::string::npos);
    // The list shows the same.
    const auto list = json_of(r.f.call("GET", "/api/films"));
    CHECK_FALSE(list["items"][0]["media"].contains("token"));

    const auto granted = r.access(id, pass_of(1));
    REQUIRE(granted.status == 200);
    const auto answer = json_of(granted);
    CHECK(answer["media"]["token"].is_string());
    CHECK(answer["media"]["master"].get<std::string>().starts_with("/media/" + std::to_string(id) + "/v1/"));
    CHECK(answer["pass"]["registered_at"] == catalog::format_utc(1'800'000'000));
    CHECK(answer["pass"]["started_at"].is_null());
    CHECK(answer["pass"]["start_until"] == catalog::format_utc(1'800'000'000 + 72 * 3600));
    CHECK(answer["pass"]["watch_until"].is_null());
    // The master it names is served.
    CHECK(r.f.call("GET", answer["media"]["master"].get<std::string>()).status == 200);

    // Returning costs nothing; two more passes fill the cap and the fourth is refused.
    CHECK(r.access(id, pass_of(1)).status == 200);
    CHECK(r.access(id, pass_of(2)).status == 200);
    CHECK(r.access(id, pass_of(3)).status == 200);
    const auto fourth = r.access(id, pass_of(4));
    check_error_shape(fourth, 403);
    CHECK(error_code(fourth) == "rights_views");
    CHECK(r.start(id, pass_of(4)).status == 403);
    // The first three still come back and play.
    CHECK(r.access(id, pass_of(2)).status == 200);
    CHECK(r.start(id, pass_of(2)).status == 201);
}

TEST_CASE("rights refusals: their codes and statuses") {
    rights_festival r;
    const int gated = r.film("gated", {{"start_hours", 1}, {"watch_hours", 2}});
    const int french = r.film("french", {{"countries", {"FR", "BE"}}});
    for (const char* bad : {"", "{}", "{\"pass\": 5}", "{\"pass\": \"0123\"}",
                            "{\"pass\": \"0123456789ABCDEF0123456789ABCDEF\"}", "not json"}) {
        CAPTURE(bad);
        const auto refused = r.f.call("POST", "/api/films/" + std::to_string(gated) + "/access", bad);
        check_error_shape(refused, 400);
        CHECK(error_code(refused) == "invalid_pass");
    }
    // A gated film's play start needs its pass.
    const auto no_pass = r.start(gated, "");
    check_error_shape(no_pass, 400);
    CHECK(error_code(no_pass) == "invalid_pass");
    // The start window, then the watch window, on the test clock.
    CHECK(r.access(gated, pass_of(7)).status == 200);
    r.set_clock(1'800'000'000 + 3600);
    auto late = r.start(gated, pass_of(7));
    check_error_shape(late, 403);
    CHECK(error_code(late) == "rights_start_window");
    CHECK(r.start(gated, pass_of(8)).status == 201);  // registered by its play start
    r.set_clock(1'800'000'000 + 3600 + 2 * 3600);
    late = r.access(gated, pass_of(8));
    check_error_shape(late, 403);
    CHECK(error_code(late) == "rights_watch_window");
    CHECK(error_code(r.start(gated, pass_of(8))) == "rights_watch_window");

    // Countries: France and Belgium only; an address the database cannot place is refused too.
    CHECK(r.film_json(french, "127.0.0.2")["access"]["refusal"].is_null());
    CHECK(r.film_json(french, "127.0.0.2")["media"]["token"].is_string());
    CHECK(r.film_json(french, "2001:db8::1")["media"]["token"].is_string());
    for (const char* elsewhere : {"127.0.0.3", "127.0.0.1"}) {
        CAPTURE(elsewhere);
        const auto j = r.film_json(french, elsewhere);
        CHECK(j["access"] == nlohmann::json{{"required", false},
                                            {"refusal", {{"code", "rights_country"},
                                                         {"message", "this film may not be shown in your country"}}}});
        CHECK_FALSE(j["media"].contains("token"));
        const auto refused = r.access(french, pass_of(1), elsewhere);
        check_error_shape(refused, 403);
        CHECK(error_code(refused) == "rights_country");
        CHECK(error_code(r.start(french, "", elsewhere)) == "rights_country");
    }
    CHECK(r.access(french, pass_of(1), "127.0.0.2").status == 200);
    CHECK(r.start(french, "", "127.0.0.2").status == 201);
}

TEST_CASE("/media refuses an excluded country on every request, and a country-ruled film is never in a shared cache") {
    rights_festival r;
    const int french = r.film("french", {{"countries", {"FR"}}});
    const int open = r.film("open", nullptr);
    const auto master = r.film_json(french, "127.0.0.2")["media"]["master"].get<std::string>();
    const auto served = r.f.call("GET", master, "", {}, "127.0.0.2");
    REQUIRE(served.status == 200);
    CHECK(as_http_result(served).headers["cache-control"].starts_with("private"));
    const auto segment = master.substr(0, master.rfind('/') + 1) + "seg.m4s";
    CHECK(as_http_result(r.f.call("GET", segment, "", {}, "127.0.0.2")).headers["cache-control"].starts_with("private"));
    // The same URL, with its valid token, from Germany.
    for (const auto& url : {master, segment}) {
        const auto refused = r.f.call("GET", url, "", {}, "127.0.0.3");
        check_error_shape(refused, 403);
        CHECK(error_code(refused) == "rights_country");
        CHECK(as_http_result(refused).headers["cache-control"] == "no-store");
    }
    // A film without a country rule keeps its public caching.
    const auto open_master = r.film_json(open)["media"]["master"].get<std::string>();
    CHECK(as_http_result(r.f.call("GET", open_master, "", {}, "127.0.0.3")).headers["cache-control"].starts_with("public"));
}

TEST_CASE("without a geo database the country rule is off") {
    in_process_festival f;
    const auto organizer = f.add_staff("organizer@festival.test", role::organizer);
    auto body = film_body("french");
    body["rights"] = {{"countries", {"FR"}}};
    const int id = json_of(f.call_as(organizer, "POST", "/api/films", body.dump()))["id"];
    const auto j = json_of(f.call("GET", "/api/films/" + std::to_string(id), "", {}, "127.0.0.3"));
    CHECK(j["rights"]["countries"] == nlohmann::json{"FR"});
    CHECK(j["access"]["refusal"].is_null());
}

TEST_CASE("heartbeats of a play its rights no longer allow get no token, and say why") {
    rights_festival r;
    const int gated = r.film("gated", {{"watch_hours", 1}});
    const auto started = r.start(gated, pass_of(3));
    REQUIRE(started.status == 201);
    const auto play = json_of(started)["play_id"].get<std::string>();
    const auto beat = [&](const std::string& from) {
        return r.f.call("POST", "/api/plays/" + play + "/heartbeat", R"({"position": 1, "played": 1})", {}, from);
    };
    auto answer = json_of(beat("127.0.0.1"));
    CHECK(answer["screening"] == true);
    CHECK(answer["media_tokens"]["1"].is_string());
    // Heartbeats keep the play alive (it expires after 10 silent minutes) up to its pass's watch_until.
    for (std::int64_t t = 500; t < 3600; t += 500) {
        CAPTURE(t);
        r.set_clock(1'800'000'000 + t);
        CHECK(json_of(beat("127.0.0.1"))["screening"] == true);
    }
    r.set_clock(1'800'000'000 + 3600);
    answer = json_of(beat("127.0.0.1"));
    CHECK(answer == nlohmann::json{{"screening", false},
                                   {"refusal", {{"code", "rights_watch_window"},
                                                {"message", "the time to watch this film has passed"}}}});

    // A country rule set during a play stops it from a country it excludes (here, one nobody knows).
    const int later = r.film("later", nullptr);
    const auto later_play = json_of(r.start(later, "", "127.0.0.1"))["play_id"].get<std::string>();
    const auto later_beat = [&] {
        return json_of(r.f.call("POST", "/api/plays/" + later_play + "/heartbeat", R"({"position": 1, "played": 1})"));
    };
    CHECK(later_beat()["screening"] == true);
    REQUIRE(r.f.call_as(r.organizer, "PATCH", "/api/films/" + std::to_string(later), R"({"rights": {"countries": ["FR"]}})").status == 200);
    answer = later_beat();
    CHECK(answer["screening"] == false);
    CHECK(answer["refusal"]["code"] == "rights_country");
    CHECK_FALSE(answer.contains("media_tokens"));
}

TEST_CASE("rights are set through the film update route, merged like the film, and checked") {
    rights_festival r;
    const int id = r.film("set", nullptr);
    const auto target = "/api/films/" + std::to_string(id);
    auto changed = r.f.call_as(r.organizer, "PATCH", target, R"({"rights": {"countries": ["FR"], "max_views": 10}})");
    REQUIRE(changed.status == 200);
    CHECK(json_of(changed)["rights"]["max_views"] == 10);
    CHECK(json_of(changed)["access"]["required"] == true);
    changed = r.f.call_as(r.organizer, "PATCH", target, R"({"rights": {"watch_hours": 48}})");
    CHECK(json_of(changed)["rights"] == nlohmann::json{{"countries", {"FR"}}, {"max_views", 10}, {"start_hours", nullptr},
                                                       {"watch_hours", 48}});
    changed = r.f.call_as(r.organizer, "PATCH", target, R"({"rights": {"max_views": null, "watch_hours": null}})");
    CHECK(json_of(changed)["access"]["required"] == false);
    changed = r.f.call_as(r.organizer, "PATCH", target, R"({"rights": null})");
    CHECK(json_of(changed)["rights"]["countries"] == nlohmann::json::array());
    for (const char* bad : {R"({"rights": {"countries": ["fr"]}})", R"({"rights": {"countries": "FR"}})",
                            R"({"rights": {"max_views": 0}})", R"({"rights": {"watch_hours": 1.5}})",
                            R"({"rights": {"start_hours": "72"}})", R"({"rights": 5})"}) {
        CAPTURE(bad);
        const auto refused = r.f.call_as(r.organizer, "PATCH", target, bad);
        check_error_shape(refused, 400);
        CHECK(error_code(refused) == "invalid_field");
    }
    // A viewer cannot change them.
    CHECK(r.f.call("PATCH", target, R"({"rights": null})").status == 401);
}
