#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <string>

#include "catalog/database.hpp"
#include "catalog/postgresql_connection.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;
using festival::test::catalog_is_postgresql;
using festival::test::fresh_catalog_location;

namespace {

database_error refusal(database& db, const std::string& sql) {
    try {
        db.exec(sql);
    } catch (const database_error& e) {
        return e;
    }
    FAIL("no error from " << sql);
    return database_error(0, "");
}

std::int64_t count(database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    REQUIRE(st.step());
    return st.int64(0);
}

}  // namespace

// SQLite-only: the pragma is SQLite's durability setting.
TEST_CASE("a catalog on disk commits with synchronous=FULL, as its comment says" * doctest::skip(catalog_is_postgresql())) {
    festival::testing::temp_dir dir;
    database db((dir.path() / "catalog.db").string());
    CHECK(db.dialect() == sql_dialect::sqlite);
    auto st = db.prepare("PRAGMA synchronous");
    REQUIRE(st.step());
    CHECK(st.int64(0) == 2);  // FULL
}

TEST_CASE("named parameters bind by name and rows read by column name") {
    database db(fresh_catalog_location());
    CHECK(db.dialect() == (catalog_is_postgresql() ? sql_dialect::postgresql : sql_dialect::sqlite));
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, note TEXT)");
    auto insert = db.prepare("INSERT INTO t (id, name, note) VALUES (:id, :name, :note)");
    insert.bind(":note", std::optional<std::string>()).bind(":name", "first").bind(":id", 7).run();
    CHECK(db.changes() == 1);
    auto st = db.prepare("SELECT note, name, id FROM t WHERE name = :name");
    st.bind(":name", std::string("first"));
    REQUIRE(st.step());
    CHECK(st.int64("id") == 7);
    CHECK(st.text("name") == "first");
    CHECK(st.optional_text("note") == std::nullopt);
    CHECK_THROWS_AS(st.text("missing"), std::logic_error);
    CHECK_THROWS_AS(st.bind(":missing", 1), std::logic_error);
    CHECK_FALSE(st.step());
}

TEST_CASE("numbered, bare and repeated named placeholders mean the same on both engines") {
    database db(fresh_catalog_location());
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, size DOUBLE PRECISION)");
    db.prepare("INSERT INTO t (id, name, size) VALUES (?, ?, ?)").bind(1, 1).bind(2, "a?b :c").bind(3, 2.5).run();
    db.prepare("INSERT INTO t (id, name, size) VALUES (?2, ?1, ?3)").bind(1, "two").bind(2, 2).bind(3, 0.25).run();
    // The same name twice is one parameter; a literal holding `?` and `:name` is no parameter.
    auto st = db.prepare("SELECT id, name, size FROM t WHERE (name = :n OR :n = 'all') AND name <> '?:x' ORDER BY id");
    st.bind(":n", "all");
    REQUIRE(st.step());
    CHECK(st.int64("id") == 1);
    CHECK(st.text("name") == "a?b :c");
    CHECK(st.real("size") == 2.5);
    REQUIRE(st.step());
    CHECK(st.text("name") == "two");
    CHECK(st.real("size") == 0.25);
    CHECK_FALSE(st.step());
    // Reset clears the bindings; the statement runs again with new ones.
    st.reset();
    st.bind(":n", "two");
    REQUIRE(st.step());
    CHECK(st.int64("id") == 2);
    CHECK_FALSE(st.step());
    db.exec("UPDATE t SET size = size + 1");
    CHECK(db.changes() == 2);
}

TEST_CASE("placeholders are translated to PostgreSQL's, leaving literals, comments and casts alone") {
    const auto plain = translate_placeholders("SELECT ?2, ?, :a, :b, :a, x::text, ':z', \"?\" -- ?\n/* :c */ FROM t");
    CHECK(plain.text == "SELECT $2, $3, $4, $5, $4, x::text, ':z', \"?\" -- ?\n/* :c */ FROM t");
    REQUIRE(plain.names.size() == 5);
    CHECK(plain.names[0].empty());
    CHECK(plain.names[3] == ":a");
    CHECK(plain.names[4] == ":b");
    CHECK(translate_placeholders("VALUES ('it''s ?', ?1)").text == "VALUES ('it''s ?', $1)");
    CHECK(is_postgresql_location("postgresql://db/festival"));
    CHECK(is_postgresql_location("postgres://db/festival"));
    CHECK_FALSE(is_postgresql_location("/var/lib/festival/catalog.db"));
    CHECK(with_application_name("postgresql://db/f") == "postgresql://db/f?application_name=festival");
    CHECK(with_application_name("postgresql://db/f?sslmode=require") ==
          "postgresql://db/f?sslmode=require&application_name=festival");
    CHECK(with_application_name("postgresql://db/f?application_name=x") == "postgresql://db/f?application_name=x");
}

TEST_CASE("a taken UNIQUE or PRIMARY KEY value is told apart from other constraint failures") {
    database db(fresh_catalog_location());
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, size INTEGER CHECK (size > 0))");
    db.exec("INSERT INTO t (id, name, size) VALUES (1, 'a', 1)");
    CHECK(refusal(db, "INSERT INTO t (id, name, size) VALUES (2, 'a', 1)").is_key_taken());
    CHECK(refusal(db, "INSERT INTO t (id, name, size) VALUES (1, 'b', 1)").is_key_taken());
    const auto check = refusal(db, "INSERT INTO t (id, name, size) VALUES (3, 'c', 0)");
    CHECK_FALSE(check.is_key_taken());
    CHECK(check.kind() == error_kind::storage);
    // A prepared statement's refusal is told the same way.
    auto insert = db.prepare("INSERT INTO t (id, name, size) VALUES (?1, ?2, 1)");
    insert.bind(1, 9).bind(2, "a");
    try {
        insert.run();
        FAIL("a taken name was inserted");
    } catch (const database_error& e) {
        CHECK(e.is_key_taken());
    }
}

TEST_CASE("a nested transaction is a savepoint: its rollback keeps the outer transaction's writes") {
    database db(fresh_catalog_location());
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)");
    {
        transaction outer(db);
        CHECK(db.in_transaction());
        db.exec("INSERT INTO t (id, name) VALUES (1, 'kept')");
        {
            transaction inner(db);
            db.exec("INSERT INTO t (id, name) VALUES (2, 'undone')");
        }  // rolled back
        {
            // A failure inside a nested transaction spoils only the savepoint, on both engines.
            transaction inner(db);
            CHECK(refusal(db, "INSERT INTO t (id, name) VALUES (3, 'kept')").is_key_taken());
        }
        {
            transaction inner(db, write_lock::rows);
            db.exec("INSERT INTO t (id, name) VALUES (4, 'released')");
            inner.commit();
        }
        outer.commit();
    }
    CHECK_FALSE(db.in_transaction());
    CHECK(count(db, "SELECT count(*) FROM t") == 2);
    CHECK(count(db, "SELECT count(*) FROM t WHERE name = 'undone'") == 0);
    {
        transaction dropped(db);
        db.exec("DELETE FROM t");
    }
    CHECK(count(db, "SELECT count(*) FROM t") == 2);
}

TEST_CASE("a transaction spoiled by a failed statement refuses to commit rather than lose its writes quietly") {
    // PostgreSQL only: SQLite undoes just the failed statement and the transaction goes on.
    if (!catalog_is_postgresql()) return;
    database db(fresh_catalog_location());
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    db.exec("INSERT INTO t (id) VALUES (1)");
    transaction tx(db);
    db.exec("INSERT INTO t (id) VALUES (2)");
    CHECK(refusal(db, "INSERT INTO t (id) VALUES (1)").is_key_taken());
    CHECK_THROWS_AS(tx.commit(), database_error);
}

TEST_CASE("a writer that cannot have the catalog's write lock in time is told the catalog is busy") {
    festival::testing::temp_dir dir;
    const auto location = fresh_catalog_location(dir.path());
    database holder(location);
    holder.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    database waiter(location);
    waiter.exec(waiter.dialect() == sql_dialect::postgresql ? "SET lock_timeout = '50ms'" : "PRAGMA busy_timeout = 50");
    transaction held(holder);
    holder.exec("INSERT INTO t (id) VALUES (1)");
    try {
        transaction tx(waiter);
        waiter.exec("INSERT INTO t (id) VALUES (2)");
        tx.commit();
        FAIL("two writers held the catalog at once");
    } catch (const database_error& e) {
        CHECK(e.kind() == error_kind::busy);
        CHECK(e.code() == "catalog_busy");
    }
    CHECK_FALSE(waiter.in_transaction());
    // With `rows`, a PostgreSQL writer takes only row locks and goes on beside the catalog lock's holder.
    if (waiter.dialect() == sql_dialect::postgresql) {
        transaction tx(waiter, write_lock::rows);
        waiter.exec("INSERT INTO t (id) VALUES (3)");
        tx.commit();
        CHECK(count(waiter, "SELECT count(*) FROM t WHERE id = 3") == 1);
    }
    held.commit();
    CHECK(count(waiter, "SELECT count(*) FROM t WHERE id = 1") == 1);
}

TEST_CASE("SQLSTATEs map to the kinds and codes SQLite's result codes have") {
    CHECK(database_error::postgresql("23505", "x").is_key_taken());
    CHECK_FALSE(database_error::postgresql("23514", "x").is_key_taken());
    for (const char* busy : {"40001", "40P01", "55P03", "57014"}) {
        CAPTURE(busy);
        CHECK(database_error::postgresql(busy, "x").kind() == error_kind::busy);
        CHECK(database_error::postgresql(busy, "x").code() == "catalog_busy");
    }
    CHECK(database_error::postgresql("25006", "x").code() == "catalog_read_only");
    CHECK(database_error::postgresql("25006", "x").kind() == error_kind::busy);
    CHECK(database_error::postgresql("53100", "x").kind() == error_kind::full);
    CHECK(database_error::postgresql("08006", "x").kind() == error_kind::busy);
    CHECK(database_error::postgresql("42P01", "x").kind() == error_kind::storage);
}

TEST_CASE("PostgreSQL's text results read as SQLite's values would") {
    if (!catalog_is_postgresql()) return;  // PostgreSQL only (a decorator would hide it from CTest's discovery)
    database db(fresh_catalog_location());
    auto st = db.prepare("SELECT TRUE AS yes, FALSE AS no, 2.75::numeric AS fraction, NULL::bigint AS nothing, "
                         "1e300::double precision AS big, -9007199254740993::bigint AS exact");
    REQUIRE(st.step());
    CHECK(st.int64("yes") == 1);
    CHECK(st.int64("no") == 0);
    CHECK(st.int64("fraction") == 2);
    CHECK(st.real("fraction") == 2.75);
    CHECK(st.is_null("nothing"));
    CHECK(st.int64("nothing") == 0);
    CHECK(st.text("nothing").empty());
    CHECK(st.real("big") == 1e300);
    CHECK(st.int64("exact") == -9007199254740993);
}

TEST_CASE("scripts of several statements run on both engines") {
    auto db = festival::test::open_fresh_catalog();
    db.exec("CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY); "
            "INSERT INTO a (id) VALUES (1), (2); INSERT INTO b (id) SELECT id FROM a;");
    CHECK(count(db, "SELECT count(*) FROM b") == 2);
    check_writable(db);
}

TEST_CASE("a PostgreSQL connection lost between transactions is told unavailable, then opened again with its statements") {
    if (!catalog_is_postgresql()) return;  // PostgreSQL only (a decorator would hide it from CTest's discovery)
    const auto location = fresh_catalog_location();
    database db(location);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    db.exec("INSERT INTO t (id) VALUES (1)");
    const auto backend = count(db, "SELECT pg_backend_pid()");
    CHECK(count(db, "SELECT count(*) FROM t WHERE id = 1") == 1);
    database other(location);
    other.prepare("SELECT pg_terminate_backend(?1)").bind(1, backend).run();
    try {
        db.prepare("SELECT count(*) FROM t WHERE id = 1").step();
        FAIL("a terminated connection answered");
    } catch (const database_error& e) {
        CHECK(e.kind() == error_kind::busy);
        CHECK(e.code() == "catalog_unavailable");
    }
    // The same statement (prepared on the lost connection) and a transaction work on the new one.
    CHECK(count(db, "SELECT count(*) FROM t WHERE id = 1") == 1);
    CHECK(count(db, "SELECT pg_backend_pid()") != backend);
    transaction tx(db);
    db.exec("INSERT INTO t (id) VALUES (2)");
    tx.commit();
    CHECK(count(other, "SELECT count(*) FROM t") == 2);
}
