// The screening window seen from outside: the state a film's JSON gives, the list filter that finds it
// and /media's answer agree, whichever ISO 8601 form the catalog holds its window in.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "catalog/database.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/signed_media_url.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

const char* curator_password = "curator password 123";

// Which of the list's screening filters names the film with this slug.
std::vector<std::string> filters_listing(unsigned short port, const std::string& slug) {
    std::vector<std::string> found;
    for (const char* state : {"now", "upcoming", "ended"}) {
        const auto page = http_call(port, "GET", std::string("/api/films?per_page=100&screening=") + state).json();
        for (const auto& item : page["items"]) {
            if (item["slug"] != slug) continue;
            CHECK(item["screening"] == state);  // the filter and the state it names agree
            found.push_back(state);
        }
    }
    return found;
}

}  // namespace

TEST_CASE("a window stored with an offset or in SQLite's datetime form means the same to the JSON, the list and /media") {
    temp_dir dir;
    add_user_with_cli(dir.path(), "curator@festival.test", "curator", curator_password);
    festival_process server(dir.path().string());
    const auto curator = sign_in(server.port(), "curator@festival.test", curator_password);
    auto make_film = [&](const std::string& slug) {
        return curator.call("POST", "/api/films", film_body(slug).dump()).json()["id"].get<int>();
    };
    // Windows written by hand into the catalog (sqlite3, a script), in forms the API never writes itself.
    struct windowed {
        std::string slug, from, until, state;
    };
    const std::vector<windowed> films = {
        {"offset-upcoming", "'2099-01-01T00:00:00+02:00'", "NULL", "upcoming"},
        {"datetime-ended", "NULL", "'2020-01-01 00:00:00'", "ended"},
        {"fraction-now", "'2020-01-01T00:00:00.250Z'", "'2099-01-01T00:00'", "now"},
    };
    {
        festival::catalog::database db(festival::test::catalog_location_of(dir.path()));
        for (const auto& f : films) {
            const int id = make_film(f.slug);
            const auto folder = dir.path() / "media" / std::to_string(id) / "v1";
            std::filesystem::create_directories(folder);
            std::ofstream(folder / "master.m3u8") << "#EXTM3U\n";
            db.exec("UPDATE films SET media_version = 1, available_from = " + f.from + ", available_until = " +
                    f.until + " WHERE id = " + std::to_string(id));
        }
    }
    make_film("refresh");  // any catalog change makes the server read the windows again

    for (const auto& f : films) {
        CAPTURE(f.slug);
        const auto film = http_call(server.port(), "GET", "/api/films/" + f.slug).json();
        CHECK(film["screening"] == f.state);
        CHECK(filters_listing(server.port(), f.slug) == std::vector<std::string>{f.state});
        // Only a film that screens has viewer URLs; a validly signed one does not open the others.
        CHECK(film["media"].contains("master") == (f.state == "now"));
        const auto url = festival::testing::signed_media_url(dir.path(), film["id"].get<int>(), 1, "master.m3u8");
        const auto media = http_call(server.port(), "GET", url);
        CHECK(media.status == (f.state == "now" ? 200 : 403));
    }
}

TEST_CASE("a window opened by `festival import` while the server runs is served as soon as the film says it screens") {
    temp_dir dir;
    add_user_with_cli(dir.path(), "curator@festival.test", "curator", curator_password);
    festival_process server(dir.path().string());
    const auto curator = sign_in(server.port(), "curator@festival.test", curator_password);
    json film = {{"slug", "reopened"}, {"original_title", "Reopened"}, {"category", "short"}, {"published", true},
                 {"available_from", "2099-01-01"}};
    const int id = curator.call("POST", "/api/films", film.dump()).json()["id"];
    const auto folder = dir.path() / "media" / std::to_string(id) / "v1";
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "master.m3u8") << "#EXTM3U\n";
    festival::catalog::database(festival::test::catalog_location_of(dir.path()))
        .exec("UPDATE films SET media_version = 1 WHERE id = " + std::to_string(id));
    const auto master = festival::testing::signed_media_url(dir.path(), id, 1, "master.m3u8");
    REQUIRE(http_call(server.port(), "GET", "/api/films/reopened").json()["screening"] == "upcoming");

    film["available_from"] = "2020-01-01";
    const auto file = (dir.path() / "films.json").string();
    std::ofstream(file) << json::array({film}).dump();
    std::string output;
    REQUIRE_MESSAGE(run_command({FESTIVAL_EXE, "import", file, "--data-dir", dir.path().string(), "--catalog",
                                 festival::test::catalog_location_of(dir.path())},
                                output) == 0, output);
    // No wait for the periodic refresh: the film's own answer is what a player acts on.
    const auto reopened = http_call(server.port(), "GET", "/api/films/reopened").json();
    REQUIRE(reopened["screening"] == "now");
    CHECK(http_call(server.port(), "GET", master).status == 200);
    CHECK(http_call(server.port(), "GET", reopened["media"]["master"].get<std::string>()).status == 200);
}
