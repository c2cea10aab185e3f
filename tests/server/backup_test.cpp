// `festival backup` and `festival restore` against real festivals, and the scheduled backups' rounds.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "catalog/backup.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/schema.hpp"
#include "server/config.hpp"
#include "server/data_dir_lock.hpp"
#include "server/scheduled_backups.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/festival_fixture.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::int64_t t0 = *festival::catalog::parse_utc("2026-06-01T10:00:00Z") * 1000;

int festival_command(const std::vector<std::string>& args, std::string& output) {
    std::vector<std::string> command = {FESTIVAL_EXE};
    command.insert(command.end(), args.begin(), args.end());
    return run_command(command, output);
}

// The last line of a command's output that is a JSON object (the commands print one).
json json_line(const std::string& output) {
    std::istringstream lines(output);
    json found;
    for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line.front() == '{') found = json::parse(line);
    return found;
}

// What the load wrote and the festival acknowledged, split by whether the acknowledgement arrived
// before the backup began.
struct acknowledged {
    std::mutex mutex;
    std::vector<std::string> films_before, comments_before;
    int ratings_before = 0;
    int writes_after = 0;
    void add(bool before, const std::function<void()>& record_before) {
        std::lock_guard lock(mutex);
        if (before) record_before();
        else ++writes_after;
    }
};

}  // namespace

// SQLite-only: backups are of the SQLite file (PostgreSQL: pg_dump).
TEST_CASE("a backup taken under load restores to a festival with every write acknowledged before it began" * doctest::skip(festival::test::catalog_is_postgresql())) {
    festival_fixture f(fixture_options().with_clock(t0));
    const auto curator = f.curator();
    const auto organizer = f.organizer();
    REQUIRE(curator.call("POST", "/api/films", film_body("rated").dump()).status == 201);

    // Plays that reached a view, for the ratings the load will send (one viewer each).
    constexpr int threads = 3;
    constexpr int ratings_per_thread = 4;
    struct rating_play {
        std::string address, id, token;
    };
    std::vector<rating_play> rating_plays;
    for (int k = 0; k < threads * ratings_per_thread; ++k) {
        const auto address = "127.0.0." + std::to_string(20 + k);
        const auto started = http_call_from(address, f.port(), "POST", "/api/films/rated/plays", "", {{"User-Agent", "rater"}});
        REQUIRE(started.status == 201);
        rating_plays.push_back(
            {address, started.json()["play_id"].get<std::string>(), started.json()["play_token"].get<std::string>()});
    }
    f.set_clock(t0 + 31'000);
    for (const auto& p : rating_plays)
        REQUIRE(http_call_from(p.address, f.port(), "POST", "/api/plays/" + p.id + "/heartbeat",
                               json{{"position", 31}, {"played", 31}}.dump(), {{"User-Agent", "rater"}})
                    .status == 200);

    // The load: each thread, from an address of its own, creates films, comments, rates, starts plays
    // and sends heartbeats, and records every write the festival acknowledged.
    std::atomic<bool> backup_began{false}, stop{false};
    acknowledged acks;
    std::vector<std::thread> load;
    for (int t = 0; t < threads; ++t) {
        load.emplace_back([&, t] {
            const auto address = "127.0.0." + std::to_string(2 + t);
            const header_list viewer = {{"User-Agent", "viewer " + std::to_string(t)}};
            for (int i = 0; i < 2000 && !stop; ++i) {  // stopped once writes went on after the backup
                const auto slug = "load-" + std::to_string(t) + "-" + std::to_string(i);
                // An acknowledgement counts as before the backup when the flag was still down after it came.
                if (curator.call("POST", "/api/films", film_body(slug).dump()).status == 201) {
                    const bool before = !backup_began;
                    acks.add(before, [&] { acks.films_before.push_back(slug); });
                }
                if (i < 8) {  // within the per-address limits on comments and play starts
                    const auto text = "comment " + slug;
                    if (http_call_from(address, f.port(), "POST", "/api/films/rated/comments",
                                       json{{"text", text}}.dump()).status == 202) {
                        const bool before = !backup_began;
                        acks.add(before, [&] { acks.comments_before.push_back(text); });
                    }
                    const auto play = http_call_from(address, f.port(), "POST", "/api/films/" + slug + "/plays", "", viewer);
                    if (play.status == 201) {
                        const auto id = play.json()["play_id"].get<std::string>();
                        http_call_from(address, f.port(), "POST", "/api/plays/" + id + "/heartbeat",
                                       json{{"position", 1}, {"played", 1}}.dump(), viewer);
                    }
                }
                if (i < ratings_per_thread) {
                    const auto& p = rating_plays[static_cast<std::size_t>(t * ratings_per_thread + i)];
                    const json rating = {{"stars", 4}, {"play_id", p.id}, {"play_token", p.token}};
                    if (http_call_from(p.address, f.port(), "POST", "/api/films/rated/ratings", rating.dump()).status == 201) {
                        const bool before = !backup_began;
                        acks.add(before, [&] { ++acks.ratings_before; });
                    }
                }
            }
        });
    }
    REQUIRE(eventually([&] {
        std::lock_guard lock(acks.mutex);
        return acks.films_before.size() >= 6 && acks.comments_before.size() >= 3;
    }, std::chrono::seconds(60)));
    // Statistics: what GET /api/stats answers was flushed to the catalog first (heartbeats are batched).
    const auto flushed = organizer.call("GET", "/api/stats");
    REQUIRE(flushed.status == 200);
    const auto stats_before = flushed.json()["totals"];
    REQUIRE(stats_before["plays"].get<int>() >= threads * ratings_per_thread);

    backup_began = true;
    const auto backup_file = f.dir.path() / "backups" / "mid-load.db";
    std::string output;
    REQUIRE_MESSAGE(festival_command({"backup", backup_file.string(), "--data-dir", f.dir.path().string()}, output) == 0,
                    output);
    const auto made = json_line(output);
    CHECK(made["path"] == fs::absolute(backup_file).string());
    CHECK(made["bytes"].get<std::int64_t>() == static_cast<std::int64_t>(fs::file_size(backup_file)));
    CHECK(made["pages"].get<int>() > 0);
    CHECK(made["seconds"].get<double>() >= 0);
    // The load goes on after the backup: it was taken mid-load.
    const bool went_on = eventually([&] {
        std::lock_guard lock(acks.mutex);
        return acks.writes_after >= 3;
    }, std::chrono::seconds(60));
    stop = true;
    for (auto& thread : load) thread.join();
    REQUIRE(went_on);
    f.server->stop();

    temp_dir restored_dir(temp_dir::storage::in_memory);
    REQUIRE_MESSAGE(festival_command({"restore", backup_file.string(), "--data-dir", restored_dir.path().string()}, output) == 0,
                    output);
    festival_process restored(restored_dir.path().string());
    CHECK(http_call(restored.port(), "GET", "/healthz").status == 200);
    const auto restored_curator = sign_in(restored.port(), fixture_curator, fixture_password);
    for (const auto& slug : acks.films_before) {
        CAPTURE(slug);
        CHECK(restored_curator.call("GET", "/api/films/" + slug).status == 200);
    }
    const auto restored_organizer = sign_in(restored.port(), fixture_organizer, fixture_password);
    const auto queue = restored_organizer.call("GET", "/api/moderation/comments?status=pending&per_page=500");
    REQUIRE(queue.status == 200);
    const auto queued = queue.json();
    std::set<std::string> comments;
    for (const auto& c : queued["comments"]) comments.insert(c["text"].get<std::string>());
    for (const auto& text : acks.comments_before) CHECK(comments.count(text) == 1);
    const auto ratings = http_call(restored.port(), "GET", "/api/films/rated/ratings").json();
    CHECK(ratings["count"].get<int>() >= acks.ratings_before);
    const auto stats_after = restored_organizer.call("GET", "/api/stats").json()["totals"];
    for (const char* counter : {"plays", "views", "unique_viewers", "watch_seconds"}) {
        CAPTURE(counter);
        CHECK(stats_after[counter].get<double>() >= stats_before[counter].get<double>());
    }
    CHECK(http_call(restored.port(), "GET", "/api/films").status == 200);
}

// SQLite-only: backups are of the SQLite file (PostgreSQL: pg_dump).
TEST_CASE("festival restore is refused while a festival runs on the data folder, and works once it stopped" * doctest::skip(festival::test::catalog_is_postgresql())) {
    festival_fixture f;
    REQUIRE(f.curator().call("POST", "/api/films", film_body("in-backup").dump()).status == 201);
    const auto backup_file = f.dir.path() / "backup.db";
    std::string output;
    REQUIRE_MESSAGE(festival_command({"backup", backup_file.string(), "--data-dir", f.dir.path().string()}, output) == 0,
                    output);
    REQUIRE(f.curator().call("POST", "/api/films", film_body("after-backup").dump()).status == 201);

    CHECK(festival_command({"restore", backup_file.string(), "--data-dir", f.dir.path().string()}, output) != 0);
    CHECK(output.find("a festival is running") != std::string::npos);
    CHECK(f.curator().call("GET", "/api/films/after-backup").status == 200);  // untouched

    f.server->stop();
    REQUIRE_MESSAGE(festival_command({"restore", backup_file.string(), "--data-dir", f.dir.path().string()}, output) == 0,
                    output);
    const auto restored = json_line(output);
    CHECK(restored["schema_version"] == festival::catalog::migrations().size());
    const fs::path kept = restored["kept"].get<std::string>();
    CHECK(kept.filename().string().starts_with("catalog.db.before-restore-"));
    {
        festival::catalog::database before(kept.string());
        auto st = before.prepare("SELECT count(*) AS n FROM films WHERE slug = 'after-backup'");
        REQUIRE(st.step());
        CHECK(st.int64("n") == 1);  // the replaced catalog is kept whole
    }
    f.start();
    CHECK(f.curator().call("GET", "/api/films/in-backup").status == 200);
    CHECK(f.curator().call("GET", "/api/films/after-backup").status == 404);
}

TEST_CASE("festival backup and restore refuse a catalog on PostgreSQL, pointing to pg_dump, and touch nothing") {
    temp_dir dir;
    const fs::path data = dir.path() / "data";
    // Refused before any connection is tried: this server does not exist.
    ::setenv("FESTIVAL_CATALOG", "postgresql://127.0.0.1:1/festival", 1);
    std::string output;
    const int backup = festival_command({"backup", (dir.path() / "copy.db").string(), "--data-dir", data.string()}, output);
    const std::string backup_output = output;
    const int restore = festival_command({"restore", (dir.path() / "copy.db").string(), "--data-dir", data.string()}, output);
    ::unsetenv("FESTIVAL_CATALOG");
    CHECK(backup == 1);
    CHECK(backup_output.find("pg_dump") != std::string::npos);
    CHECK(restore == 1);
    CHECK(output.find("pg_dump") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path() / "copy.db"));
    CHECK_FALSE(fs::exists(data / "catalog.db"));
}

TEST_CASE("a festival does not start on a data folder while a restore holds it") {
    temp_dir dir;
    const auto restoring = festival::server::data_dir_lock::try_acquire(dir.path(), festival::server::data_dir_lock::mode::exclusive);
    REQUIRE(restoring);
    CHECK_FALSE(festival::server::data_dir_lock::try_acquire(dir.path(), festival::server::data_dir_lock::mode::shared));
    std::string output;
    CHECK(festival_command({"serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path().string(), "--transcoders", "0"},
                           output) == 1);
    CHECK(output.find("is being restored") != std::string::npos);
}

// SQLite-only: backups are of the SQLite file (PostgreSQL: pg_dump).
TEST_CASE("festival restore refuses a file that is not a catalog, or one newer than the program, and changes nothing" * doctest::skip(festival::test::catalog_is_postgresql())) {
    temp_dir dir;
    const auto data = dir.path() / "data";
    add_user_with_cli(data, fixture_organizer, "organizer", fixture_password);
    std::string output;
    write_file(dir.path() / "notes.db", "not a database at all, though named like one");
    CHECK(festival_command({"restore", (dir.path() / "notes.db").string(), "--data-dir", data.string()}, output) == 1);
    CHECK(output.find("is not a festival catalog") != std::string::npos);

    REQUIRE(festival_command({"backup", (dir.path() / "newer.db").string(), "--data-dir", data.string()}, output) == 0);
    {
        festival::catalog::database newer((dir.path() / "newer.db").string());
        newer.exec("PRAGMA user_version = " + std::to_string(festival::catalog::migrations().size() + 1));
        newer.exec("PRAGMA journal_mode = DELETE");
    }
    CHECK(festival_command({"restore", (dir.path() / "newer.db").string(), "--data-dir", data.string()}, output) == 1);
    CHECK(output.find("newer than this festival knows") != std::string::npos);

    CHECK(festival_command({"restore", "--data-dir", data.string()}, output) == 1);
    CHECK(output.find("usage: festival restore FILE") != std::string::npos);
    for (const auto& entry : fs::directory_iterator(data))
        CHECK(entry.path().filename().string().find("before-restore") == std::string::npos);
    festival::catalog::database db((data / "catalog.db").string());
    auto st = db.prepare("SELECT count(*) AS n FROM users");
    REQUIRE(st.step());
    CHECK(st.int64("n") == 1);
}

// SQLite-only: backups are of the SQLite file (PostgreSQL: pg_dump).
TEST_CASE("scheduled backup rounds are named by UTC time and keep only the newest N" * doctest::skip(festival::test::catalog_is_postgresql())) {
    temp_dir dir;
    const auto data = dir.path() / "data";
    add_user_with_cli(data, fixture_organizer, "organizer", fixture_password);
    const auto folder = dir.path() / "backups";
    fs::create_directories(folder);
    write_file(folder / "notes.txt", "the organizers' own file");
    write_file(folder / "catalog-by-hand.db", "a copy someone made");
    const festival::server::backup_schedule schedule{data / "catalog.db", folder, 2};
    const auto at = [](int minute) {
        return std::chrono::system_clock::time_point(std::chrono::milliseconds(t0) + std::chrono::minutes(minute));
    };
    for (int minute = 0; minute < 4; ++minute) REQUIRE(festival::server::run_backup_round(schedule, at(minute)));

    const auto kept = festival::server::scheduled_backups_in(folder);
    REQUIRE(kept.size() == 2);
    CHECK(kept[0].filename() == "catalog-20260601T100200Z.db");
    CHECK(kept[1].filename() == "catalog-20260601T100300Z.db");
    CHECK(festival::catalog::check_catalog_backup(kept[1]) == static_cast<int>(festival::catalog::migrations().size()));
    CHECK(fs::exists(folder / "notes.txt"));  // only the scheduled backups' names are ever removed
    CHECK(fs::exists(folder / "catalog-by-hand.db"));

    // A failed round (no catalog) is reported and leaves the kept backups alone; the next one works.
    const festival::server::backup_schedule broken{dir.path() / "missing" / "catalog.db", folder, 2};
    CHECK_FALSE(festival::server::run_backup_round(broken, at(4)));
    CHECK(festival::server::scheduled_backups_in(folder).size() == 2);
    CHECK(festival::server::run_backup_round(schedule, at(5)));
    CHECK(festival::server::scheduled_backups_in(folder).back().filename() == "catalog-20260601T100500Z.db");
}

TEST_CASE("scheduled backups are off by default and set by flags or the environment, checked") {
    const auto defaults = festival::server::load_config({"--data-dir", "/srv/festival"});
    CHECK(defaults->backup_every_minutes == 0);
    CHECK(defaults->backup_keep == 24);
    CHECK(defaults->backup_folder() == "/srv/festival/backups");
    ::setenv("FESTIVAL_BACKUP_KEEP", "3", 1);
    const auto set = festival::server::load_config(
        {"--backup-every-minutes", "60", "--backup-dir", "/mnt/other-disk/festival"});
    ::unsetenv("FESTIVAL_BACKUP_KEEP");
    CHECK(set->backup_every_minutes == 60);
    CHECK(set->backup_keep == 3);
    CHECK(set->backup_folder() == "/mnt/other-disk/festival");
    CHECK(set->to_json()["backup_dir"] == "/mnt/other-disk/festival");
    CHECK_THROWS_AS(festival::server::load_config({"--backup-keep", "0"}), std::invalid_argument);
    CHECK_THROWS_AS(festival::server::load_config({"--backup-every-minutes", "-5"}), std::invalid_argument);
    CHECK(festival::server::settings_help().find("--backup-every-minutes") != std::string::npos);
}
