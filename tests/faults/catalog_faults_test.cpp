// The catalog busy (another process holds its write lock past the busy timeout) or read-only (its disk
// turned read-only under the server): writes are refused with a JSON 503 and Retry-After instead of
// hanging or failing obscurely, reads and media keep being served, and nothing stored is lost.
#include <doctest/doctest.h>

#include <chrono>
#include <future>

#include "catalog/database.hpp"
#include "tests/faults/fault_site.hpp"

using namespace festival::testing;
namespace catalog = festival::catalog;

namespace {

nlohmann::json film_patch(const std::string& title) { return {{"original_title", title}}; }

}  // namespace

TEST_CASE("a catalog locked by another writer: writes get 503 with Retry-After, reads go on, then writes work again") {
    fault_site site(64);
    const auto film = site.published_film("premiere", site.clip("premiere.mp4", 2, "160x120"));
    const auto version = *site.media_version(film);
    site.start_server();
    const auto curator = site.curator();
    REQUIRE(curator.call("PATCH", "/api/films/premiere", film_patch("Before the lock").dump()).status == 200);

    {
        // Another process's view: a connection of our own holding the write lock.
        catalog::database holder(site.catalog_path());
        holder.exec("BEGIN EXCLUSIVE");
        holder.exec("UPDATE films SET original_title = original_title WHERE id = 0");
        const auto started = std::chrono::steady_clock::now();
        const auto refused = curator.call("PATCH", "/api/films/premiere", film_patch("During the lock").dump());
        const auto waited = std::chrono::steady_clock::now() - started;
        CHECK(refused.status == 503);
        require_error_shape(refused, "catalog_busy");
        CHECK(refused.header("retry-after") == "5");
        CHECK(waited < std::chrono::seconds(10));  // the busy timeout, not a hang
        // Reads (WAL: they do not wait for the writer), media and sessions keep working meanwhile.
        const auto listed = http_call(site.server->port(), "GET", "/api/films");
        CHECK(listed.status == 200);
        CHECK(http_call(site.server->port(), "GET", "/api/films/premiere").json()["original_title"] == "Before the lock");
        CHECK(curator.call("GET", "/api/session").status == 200);
        require_served_whole(site.server->port(), site, film, version);
    }
    const auto after = curator.call("PATCH", "/api/films/premiere", film_patch("After the lock").dump());
    CHECK(after.status == 200);
    CHECK(http_call(site.server->port(), "GET", "/api/films/premiere").json()["original_title"] == "After the lock");
}

TEST_CASE("the catalog's disk turning read-only: writes are refused with a JSON 5xx, reads and media go on, nothing is lost") {
    fault_site site(64, small_filesystem::kind::ext4);
    const auto film = site.published_film("premiere", site.clip("premiere.mp4", 2, "160x120"));
    const auto version = *site.media_version(film);
    site.start_server();
    const auto curator = site.curator();
    REQUIRE(curator.call("PATCH", "/api/films/premiere", film_patch("Kept").dump()).status == 200);

    site.disk.turn_read_only();
    for (int i = 0; i < 2; ++i) {
        const auto refused = curator.call("PATCH", "/api/films/premiere", film_patch("Lost").dump());
        INFO(refused.status, " ", refused.body);
        CHECK(refused.status == 503);
        require_error_shape(refused);
        CHECK(refused.header("retry-after") == "5");
    }
    const auto subtitles = curator.call("PUT", "/api/films/premiere/subtitles/fr",
                                        "1\n00:00:00,500 --> 00:00:01,500\nBonjour.\n");
    INFO(subtitles.status, " ", subtitles.body);
    CHECK(subtitles.status == 503);
    require_error_shape(subtitles);
    CHECK(http_call(site.server->port(), "GET", "/api/films").status == 200);
    CHECK(http_call(site.server->port(), "GET", "/api/films/premiere").json()["original_title"] == "Kept");
    require_served_whole(site.server->port(), site, film, version);

    // The server stops cleanly; what was acknowledged before is in the catalog file.
    CHECK(site.server->stop() == 0);
    site.server.reset();
    catalog::database db(site.catalog_path());
    auto title = db.prepare("SELECT original_title FROM films WHERE id = ?");
    title.bind(1, film);
    REQUIRE(title.step());
    CHECK(title.text(0) == "Kept");
}
