#include <doctest/doctest.h>

#include "catalog/database.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::catalog;

TEST_CASE("a catalog on disk commits with synchronous=FULL, as its comment says") {
    festival::testing::temp_dir dir;
    database db((dir.path() / "catalog.db").string());
    auto st = db.prepare("PRAGMA synchronous");
    REQUIRE(st.step());
    CHECK(st.int64(0) == 2);  // FULL
}

TEST_CASE("named parameters bind by name and rows read by column name") {
    database db(":memory:");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, note TEXT)");
    auto insert = db.prepare("INSERT INTO t (id, name, note) VALUES (:id, :name, :note)");
    insert.bind(":note", std::optional<std::string>()).bind(":name", "first").bind(":id", 7).run();
    auto st = db.prepare("SELECT note, name, id FROM t WHERE name = :name");
    st.bind(":name", std::string("first"));
    REQUIRE(st.step());
    CHECK(st.int64("id") == 7);
    CHECK(st.text("name") == "first");
    CHECK(st.optional_text("note") == std::nullopt);
    CHECK_THROWS_AS(st.text("missing"), std::logic_error);
    CHECK_THROWS_AS(st.bind(":missing", 1), std::logic_error);
}

TEST_CASE("a taken UNIQUE or PRIMARY KEY value is told apart from other constraint failures") {
    database db(":memory:");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, size INTEGER CHECK (size > 0))");
    db.exec("INSERT INTO t (id, name, size) VALUES (1, 'a', 1)");
    auto refusal = [&](const std::string& sql) -> database_error {
        try {
            db.exec(sql);
        } catch (const database_error& e) {
            return e;
        }
        FAIL("no error from " << sql);
        return database_error(0, "");
    };
    CHECK(refusal("INSERT INTO t (id, name, size) VALUES (2, 'a', 1)").is_key_taken());
    CHECK(refusal("INSERT INTO t (id, name, size) VALUES (1, 'b', 1)").is_key_taken());
    CHECK_FALSE(refusal("INSERT INTO t (id, name, size) VALUES (3, 'c', 0)").is_key_taken());
}
