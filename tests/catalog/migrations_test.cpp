#include <doctest/doctest.h>

#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/schema.hpp"

using namespace festival::catalog;

namespace {
int user_version(database& db) {
    auto st = db.prepare("PRAGMA user_version");
    st.step();
    return static_cast<int>(st.int64(0));
}
}  // namespace

TEST_CASE("an empty database is migrated to the latest schema") {
    database db(":memory:");
    CHECK(user_version(db) == 0);
    CHECK(migrate(db) == static_cast<int>(migrations().size()));
    CHECK(user_version(db) == static_cast<int>(migrations().size()));
    CHECK(migrate(db) == static_cast<int>(migrations().size()));  // a second run changes nothing
}

TEST_CASE("a database at every older schema version is brought forward with its rows kept") {
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

TEST_CASE("a schema newer than the program is refused, not downgraded") {
    database db(":memory:");
    db.exec("PRAGMA user_version = 999");
    CHECK_THROWS_AS(migrate(db), catalog_error);
    CHECK(user_version(db) == 999);
}

TEST_CASE("a catalog from before ids were unique keeps its rows and never reuses a deleted film's or job's id") {
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
