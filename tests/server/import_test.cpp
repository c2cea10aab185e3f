#include <doctest/doctest.h>

#include <fstream>

#include "catalog/films.hpp"
#include "catalog/schema.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

std::string write_json(const temp_dir& dir, const std::string& name, const json& j) {
    const auto path = (dir.path() / name).string();
    std::ofstream(path) << j.dump();
    return path;
}

json films(int count) {
    json list = json::array();
    for (int i = 0; i < count; ++i)
        list.push_back({{"slug", "film-" + std::to_string(i)},
                        {"original_title", "Film " + std::to_string(i)},
                        {"category", i % 2 ? "short" : "documentary"},
                        {"texts", {{"es", {{"title", "Película " + std::to_string(i)}}}}}});
    return list;
}

// `festival import FILE` on the test catalog of `dir`.
std::vector<std::string> import_command(const temp_dir& dir, const std::string& file) {
    return {FESTIVAL_EXE, "import", file, "--data-dir", dir.path().string(), "--catalog",
            festival::test::catalog_location_of(dir.path())};
}

std::int64_t film_count(const temp_dir& dir) {
    auto db = festival::catalog::open_catalog(festival::test::catalog_location_of(dir.path()));
    return static_cast<std::int64_t>(festival::catalog::list_all_films(db).size());
}

}  // namespace

TEST_CASE("festival import creates a hundred films, then updates them by slug") {
    temp_dir dir;
    std::string output;
    const auto file = write_json(dir, "films.json", films(100));
    REQUIRE_MESSAGE(run_command(import_command(dir, file), output) == 0, output);
    CHECK(output.find("100 created") != std::string::npos);
    CHECK(film_count(dir) == 100);

    auto changed = films(3);
    changed[0]["original_title"] = "Renamed";
    const auto again = write_json(dir, "again.json", json{{"films", changed}});
    REQUIRE(run_command(import_command(dir, again), output) == 0);
    CHECK(output.find("3 updated") != std::string::npos);
    auto db = festival::catalog::open_catalog(festival::test::catalog_location_of(dir.path()));
    CHECK(festival::catalog::find_film_by_slug(db, "film-0")->original_title == "Renamed");
    CHECK(film_count(dir) == 100);
}

TEST_CASE("festival import refuses a file with one bad film and imports nothing from it") {
    temp_dir dir;
    std::string output;
    auto list = films(10);
    list[7]["category"] = "opera";
    const auto file = write_json(dir, "bad.json", list);
    CHECK(run_command(import_command(dir, file), output) != 0);
    CHECK(output.find("film #8") != std::string::npos);
    CHECK(output.find("category") != std::string::npos);
    CHECK(film_count(dir) == 0);

    std::ofstream(dir.path() / "broken.json") << "[{\"slug\": ";
    CHECK(run_command(import_command(dir, (dir.path() / "broken.json").string()), output) != 0);
    CHECK(output.find("not valid JSON") != std::string::npos);
}
