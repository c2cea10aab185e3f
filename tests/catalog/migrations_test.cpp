#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/schema.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;
using festival::test::catalog_is_postgresql;

namespace {
int user_version(database& db) {
    auto st = db.prepare("PRAGMA user_version");
    st.step();
    return static_cast<int>(st.int64(0));
}
}  // namespace

// SQLite-only: PRAGMA user_version and the steps' SQLite texts.
TEST_CASE("an empty database is migrated to the latest schema" * doctest::skip(catalog_is_postgresql())) {
    database db(":memory:");
    CHECK(user_version(db) == 0);
    CHECK(migrate(db) == static_cast<int>(migrations().size()));
    CHECK(user_version(db) == static_cast<int>(migrations().size()));
    CHECK(migrate(db) == static_cast<int>(migrations().size()));  // a second run changes nothing
}

// SQLite-only: PRAGMA user_version and the steps' SQLite texts.
TEST_CASE("a database at every older schema version is brought forward with its rows kept" * doctest::skip(catalog_is_postgresql())) {
    const int latest = static_cast<int>(migrations().size());
    for (int stopped_at = 1; stopped_at <= latest; ++stopped_at) {
        CAPTURE(stopped_at);
        database db(":memory:");
        for (int step = 0; step < stopped_at; ++step) db.exec(migrations()[static_cast<std::size_t>(step)].sqlite);
        db.exec("PRAGMA user_version = " + std::to_string(stopped_at));
        db.exec("INSERT INTO films (slug, original_title, category) VALUES ('kept', 'Kept', 'short')");
        CHECK(migrate(db) == latest);
        REQUIRE(find_film_by_slug(db, "kept").has_value());
        CHECK(find_film_by_slug(db, "kept")->original_title == "Kept");
    }
}

// SQLite-only: PRAGMA user_version and the steps' SQLite texts.
TEST_CASE("a schema newer than the program is refused, not downgraded" * doctest::skip(catalog_is_postgresql())) {
    database db(":memory:");
    db.exec("PRAGMA user_version = 999");
    CHECK_THROWS_AS(migrate(db), catalog_error);
    CHECK(user_version(db) == 999);
}

// SQLite-only: PRAGMA user_version and the steps' SQLite texts.
TEST_CASE("a catalog from before ids were unique keeps its rows and never reuses a deleted film's or job's id" * doctest::skip(catalog_is_postgresql())) {
    database db(":memory:");
    // The four steps every festival shipped with before this change.
    for (std::size_t step = 0; step < 4; ++step) db.exec(migrations()[step].sqlite);
    db.exec("PRAGMA user_version = 4");
    db.exec(R"sql(
        INSERT INTO films (id, slug, original_title, category, published) VALUES (1, 'kept', 'Kept', 'short', 1);
        INSERT INTO films (id, slug, original_title, category) VALUES (2, 'gone', 'Gone', 'short');
        INSERT INTO film_texts (film_id, lang, title) VALUES (1, 'fr', 'Gardé');
        INSERT INTO films_fts (rowid, body) VALUES (1, 'Kept kept');
        INSERT INTO jobs (id, film_id, source_path, status) VALUES (1, 1, '/a.mov', 'done'), (2, 2, '/b.mov', 'done');
        UPDATE films SET media_version = 1 WHERE id = 1;
        INSERT INTO uploads (id, film_id, length, expires_at, job_id) VALUES ('u1', 1, 10, 0, 5);
        INSERT INTO plays (id, film_id, viewer_hash, started_at, last_seen_at) VALUES ('p', 9, 'h', 1, 1);
        DELETE FROM films WHERE id = 2;
    )sql");
    CHECK(migrate(db) == static_cast<int>(migrations().size()));
    const auto kept = find_film_by_slug(db, "kept");
    REQUIRE(kept);
    CHECK(kept->id == 1);
    CHECK(kept->media_version == 1);
    CHECK(kept->texts.at("fr").title == "Gardé");
    auto count = [&](const std::string& sql) {
        auto st = db.prepare(sql);
        st.step();
        return st.int64(0);
    };
    CHECK(count("SELECT count(*) FROM jobs WHERE film_id = 1") == 1);
    CHECK(count("SELECT count(*) FROM uploads WHERE film_id = 1") == 1);
    CHECK(count("PRAGMA foreign_keys") == 1);
    // Film 9 was deleted long ago (its plays remain), job 5 named by an upload: neither comes back.
    db.exec("INSERT INTO films (slug, original_title, category) VALUES ('new', 'New', 'short')");
    CHECK(db.last_insert_rowid() > 9);
    db.exec("INSERT INTO jobs (film_id, source_path) VALUES (1, '/c.mov')");
    CHECK(db.last_insert_rowid() > 5);
    // The rebuilt tables keep their foreign keys: deleting the film still takes its rows along.
    db.exec("DELETE FROM films WHERE id = 1");
    CHECK(count("SELECT count(*) FROM jobs") == 0);
    CHECK(count("SELECT count(*) FROM film_texts") == 0);
    CHECK(count("SELECT count(*) FROM uploads") == 0);
}

namespace {

using table_columns = std::map<std::string, std::set<std::string>>;

// Every table's columns, each as "name" or "name NOT NULL" (a primary key's columns are NOT NULL).
table_columns sqlite_columns(database& db) {
    table_columns tables;
    auto st = db.prepare(
        "SELECT m.name AS table_name, c.name AS column_name, c.\"notnull\" AS not_null, c.pk AS pk "
        "FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table' "
        "AND m.name NOT LIKE 'films_fts%' AND m.name <> 'sqlite_sequence'");
    while (st.step())
        tables[st.text("table_name")].insert(st.text("column_name") +
                                             (st.int64("not_null") || st.int64("pk") ? " NOT NULL" : ""));
    return tables;
}

table_columns postgresql_columns(database& db) {
    table_columns tables;
    auto st = db.prepare(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, is_nullable::text AS nullable "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name NOT IN ('films_search', 'schema_version')");
    while (st.step())
        tables[st.text("table_name")].insert(st.text("column_name") + (st.text("nullable") == "NO" ? " NOT NULL" : ""));
    return tables;
}

std::int64_t postgresql_version(database& db) {
    auto st = db.prepare("SELECT version FROM schema_version");
    REQUIRE(st.step());
    const auto version = st.int64(0);
    CHECK_FALSE(st.step());  // one row
    return version;
}

}  // namespace

TEST_CASE("PostgreSQL's schema has the tables and columns SQLite's has after every step") {
    if (!catalog_is_postgresql()) return;  // PostgreSQL only (a decorator would hide it from CTest's discovery)
    auto sqlite = open_catalog(":memory:");
    auto postgresql = festival::test::open_fresh_catalog();
    const auto expected = sqlite_columns(sqlite);
    const auto found = postgresql_columns(postgresql);
    REQUIRE(expected.size() > 20);
    for (const auto& table : expected) {
        CAPTURE(table.first);
        REQUIRE(found.count(table.first) == 1);
        CHECK(found.at(table.first) == table.second);
    }
    CHECK(found.size() == expected.size());
    // The full-text table SQLite's films_fts stands for, and the rows every catalog starts with.
    auto count = [&](const std::string& sql) {
        auto st = postgresql.prepare(sql);
        REQUIRE(st.step());
        return st.int64(0);
    };
    CHECK(count("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = 'films_search'") == 3);
    CHECK(count("SELECT count(*) FROM feedback_questions") == 3);
    CHECK(count("SELECT count(*) FROM feedback_award") == 1);
}

TEST_CASE("a PostgreSQL catalog keeps its schema version in one row, migrates once, refuses a newer one") {
    if (!catalog_is_postgresql()) return;  // PostgreSQL only (a decorator would hide it from CTest's discovery)
    const auto location = festival::test::fresh_catalog_location();
    const int latest = static_cast<int>(migrations().size());
    // Two nodes starting at once: the catalog lock lets one migrate, the other finds it done.
    std::optional<database> first, second;
    std::thread other([&] { second.emplace(open_catalog(location)); });
    first.emplace(open_catalog(location));
    other.join();
    REQUIRE(second);
    CHECK(postgresql_version(*first) == latest);
    CHECK(migrate(*second) == latest);
    CHECK(postgresql_version(*first) == latest);
    // Users' e-mails are unique whatever their case, as with SQLite's COLLATE NOCASE.
    first->exec("INSERT INTO users (email, role, password_hash) VALUES ('Ana@Festival.test', 'curator', 'x')");
    try {
        first->exec("INSERT INTO users (email, role, password_hash) VALUES ('ana@festival.TEST', 'curator', 'x')");
        FAIL("the same e-mail in another case was taken twice");
    } catch (const database_error& e) {
        CHECK(e.is_key_taken());
    }
    check_writable(*first);
    first->exec("UPDATE schema_version SET version = 999");
    CHECK_THROWS_AS(migrate(*second), catalog_error);
    CHECK(postgresql_version(*first) == 999);
}
