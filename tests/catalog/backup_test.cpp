// Online backups of the catalog (SQLite's backup API) and the checks a backup passes before restore.
#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "catalog/backup.hpp"
#include "catalog/films.hpp"
#include "catalog/schema.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::catalog;
using festival::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

film film_named(const std::string& slug) {
    film f;
    f.slug = slug;
    f.original_title = "Film " + slug;
    f.category = "short";
    f.rights_note = std::string(1500, 'r');  // rows of some size, so the catalog spans many pages
    return f;
}

// The slugs of the films a catalog file holds.
std::set<std::string> slugs_in(const fs::path& file) {
    database db(file.string());
    std::set<std::string> slugs;
    auto st = db.prepare("SELECT slug FROM films");
    while (st.step()) slugs.insert(st.text("slug"));
    return slugs;
}

std::string error_code_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const catalog_error& e) {
        return e.code();
    }
    return "no error";
}

}  // namespace

TEST_CASE("a backup holds the snapshot it began with while another connection commits between its steps") {
    temp_dir dir;
    const auto catalog = dir.path() / "catalog.db";
    auto db = open_catalog(catalog.string());
    for (int i = 0; i < 200; ++i) create_film(db, film_named("before-" + std::to_string(i)));
    auto writer = open_catalog(catalog.string());  // another connection, as a server's worker is
    int steps = 0;
    int written_during = 0;
    backup_options options;
    options.pages_per_step = 8;
    options.after_step = [&](int remaining) {
        ++steps;
        // A write between steps goes through at once (the backup never holds a lock writers wait on).
        if (remaining > 0) create_film(writer, film_named("during-" + std::to_string(written_during++)));
    };
    const auto made = backup_catalog(catalog, dir.path() / "backups" / "copy.db", options);
    REQUIRE(written_during > 5);  // the copy really was taken across many commits
    CHECK(steps > 5);
    CHECK(made.pages > 40);
    CHECK(made.bytes == static_cast<std::int64_t>(fs::file_size(dir.path() / "backups" / "copy.db")));
    CHECK(made.path == fs::absolute(dir.path() / "backups" / "copy.db"));
    CHECK(check_catalog_backup(made.path) == static_cast<int>(migrations().size()));
    const auto slugs = slugs_in(made.path);
    CHECK(slugs.size() == 200);  // exactly the snapshot: every row before it, none of those after
    for (int i = 0; i < 200; ++i) CHECK(slugs.count("before-" + std::to_string(i)) == 1);
    CHECK(slugs_in(catalog).size() == 200u + static_cast<std::size_t>(written_during));
    // One self-contained file, and no temporary left beside it.
    CHECK_FALSE(fs::exists(made.path.string() + "-wal"));
    CHECK(std::distance(fs::directory_iterator(dir.path() / "backups"), fs::directory_iterator()) == 1);
}

TEST_CASE("without WAL a backup that writes keep restarting still ends, with every row committed before it") {
    temp_dir dir;
    const auto catalog = dir.path() / "catalog.db";
    { open_catalog(catalog.string()); }
    database writer(catalog.string());
    writer.exec("PRAGMA journal_mode = DELETE");  // rollback journal: no snapshot can be held without blocking
    for (int i = 0; i < 200; ++i) create_film(writer, film_named("before-" + std::to_string(i)));
    int written_during = 0;
    backup_options options;
    options.pages_per_step = 8;
    options.after_step = [&](int) { create_film(writer, film_named("during-" + std::to_string(written_during++))); };
    const auto made = backup_catalog(catalog, dir.path() / "copy.db", options);
    CHECK(written_during >= 3);  // each write restarted the copy, until it was finished in one step
    CHECK(check_catalog_backup(made.path) == static_cast<int>(migrations().size()));
    const auto slugs = slugs_in(made.path);
    for (int i = 0; i < 200; ++i) CHECK(slugs.count("before-" + std::to_string(i)) == 1);
    for (int i = 0; i < written_during; ++i) CHECK(slugs.count("during-" + std::to_string(i)) == 1);
}

TEST_CASE("a backup taken while another thread keeps committing holds every row committed before it began") {
    temp_dir dir;
    const auto catalog = dir.path() / "catalog.db";
    {
        auto db = open_catalog(catalog.string());
        for (int i = 0; i < 100; ++i) create_film(db, film_named("seed-" + std::to_string(i)));
    }
    std::atomic<int> committed{0};
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        auto db = open_catalog(catalog.string());
        for (int i = 0; !stop && i < 100000; ++i) {
            create_film(db, film_named("live-" + std::to_string(i)));
            committed = i + 1;
        }
    });
    REQUIRE(festival::testing::eventually([&] { return committed >= 10; }, std::chrono::seconds(30)));
    const int before = committed;
    backup_options options;
    options.pages_per_step = 4;
    const auto made = backup_catalog(catalog, dir.path() / "copy.db", options);
    stop = true;
    writer.join();
    check_catalog_backup(made.path);
    const auto slugs = slugs_in(made.path);
    for (int i = 0; i < before; ++i) CHECK(slugs.count("live-" + std::to_string(i)) == 1);
    // A snapshot: the live rows it holds are a prefix of what the writer committed.
    const auto live = static_cast<int>(slugs.size()) - 100;
    CHECK(live <= committed);
    for (int i = 0; i < live; ++i) CHECK(slugs.count("live-" + std::to_string(i)) == 1);
}

TEST_CASE("a backup never replaces its target with a partial copy, nor the catalog itself") {
    temp_dir dir;
    const auto catalog = dir.path() / "catalog.db";
    { open_catalog(catalog.string()); }
    festival::testing::write_file(dir.path() / "copy.db", "an older backup");
    CHECK(error_code_of([&] { backup_catalog(dir.path() / "missing.db", dir.path() / "copy.db"); }) == "backup_failed");
    CHECK(error_code_of([&] { backup_catalog(catalog, catalog); }) == "backup_failed");
    std::ifstream older(dir.path() / "copy.db");
    std::string text;
    std::getline(older, text);
    CHECK(text == "an older backup");
    CHECK(check_catalog_backup(catalog) == static_cast<int>(migrations().size()));
}

TEST_CASE("a file that is not a festival catalog, a damaged one or a newer one is refused for restore") {
    temp_dir dir;
    festival::testing::write_file(dir.path() / "random.db", std::string(8192, '\x5a'));
    CHECK(error_code_of([&] { check_catalog_backup(dir.path() / "random.db"); }) == "not_a_catalog");
    CHECK(error_code_of([&] { check_catalog_backup(dir.path() / "absent.db"); }) == "not_a_catalog");
    {
        database other((dir.path() / "other.db").string());
        other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
    }
    CHECK(error_code_of([&] { check_catalog_backup(dir.path() / "other.db"); }) == "not_a_catalog");

    const auto catalog = dir.path() / "catalog.db";
    {
        auto db = open_catalog(catalog.string());
        // Enough films that the middle of the file is theirs, whatever tables the schema has.
        for (int i = 0; i < 400; ++i) create_film(db, film_named("f-" + std::to_string(i)));
    }
    const auto good = backup_catalog(catalog, dir.path() / "good.db").path;
    CHECK(check_catalog_backup(good) == static_cast<int>(migrations().size()));

    const auto newer = backup_catalog(catalog, dir.path() / "newer.db").path;
    {
        database db(newer.string());
        db.exec("PRAGMA user_version = " + std::to_string(migrations().size() + 1));
        db.exec("PRAGMA journal_mode = DELETE");
    }
    CHECK(error_code_of([&] { check_catalog_backup(newer); }) == "schema_too_new");

    // Garbage over the middle of the films table's pages: the file opens, its check fails.
    const auto damaged = backup_catalog(catalog, dir.path() / "damaged.db").path;
    {
        std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(static_cast<std::streamoff>(fs::file_size(damaged) / 2));
        const std::string garbage(3 * 4096, '\x7f');
        file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    CHECK(error_code_of([&] { check_catalog_backup(damaged); }) == "catalog_damaged");
}

TEST_CASE("installing a backup keeps the current catalog with its WAL and leaves nothing stale beside the new one") {
    temp_dir dir;
    const auto data = dir.path() / "data";
    const auto catalog = data / "catalog.db";
    fs::create_directories(data);
    {
        auto db = open_catalog((dir.path() / "source.db").string());
        create_film(db, film_named("from-backup"));
    }
    const auto backup = backup_catalog(dir.path() / "source.db", dir.path() / "backup.db").path;

    SUBCASE("into an empty data folder") {
        CHECK(install_catalog_backup(backup, catalog, "20260601T100000Z").empty());
        CHECK(slugs_in(catalog) == std::set<std::string>{"from-backup"});
    }
    SUBCASE("over a catalog, its WAL and its shared memory") {
        {
            auto db = open_catalog(catalog.string());
            create_film(db, film_named("current"));
        }
        festival::testing::write_file(data / "catalog.db-wal", "frames of the current catalog");
        festival::testing::write_file(data / "catalog.db-shm", "stale");
        const auto kept = install_catalog_backup(backup, catalog, "20260601T100000Z");
        CHECK(kept == data / "catalog.db.before-restore-20260601T100000Z");
        CHECK_FALSE(fs::exists(data / "catalog.db-shm"));
        std::ifstream wal(kept.string() + "-wal");
        std::string text;
        std::getline(wal, text);
        CHECK(text == "frames of the current catalog");  // the kept catalog is whole: its WAL went with it
        fs::remove(kept.string() + "-wal");
        CHECK(slugs_in(kept) == std::set<std::string>{"current"});
        CHECK(slugs_in(catalog) == std::set<std::string>{"from-backup"});
    }
    CHECK_FALSE(fs::exists(data / "catalog.db.restore-tmp"));
}

TEST_CASE("a catalog on PostgreSQL is not backed up by the SQLite copier") {
    temp_dir dir;
    try {
        backup_catalog("postgresql://127.0.0.1:1/festival", dir.path() / "copy.db");
        FAIL("a PostgreSQL URL was taken for a file");
    } catch (const catalog_error& e) {
        CHECK(e.code() == "backup_on_postgresql");
    }
    CHECK_NOTHROW(refuse_postgresql_backup((dir.path() / "catalog.db").string()));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "copy.db"));
}

TEST_CASE("backup time stamps are UTC and sort as time does") {
    const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1'780'308'000));  // 2026-06-01T10:00:00Z
    CHECK(backup_time_stamp(t) == "20260601T100000Z");
    CHECK(backup_time_stamp(t + std::chrono::hours(24 * 200)) > backup_time_stamp(t + std::chrono::seconds(59)));
}
