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
        for (int step = 0; step < stopped_at; ++step) db.exec(migrations()[static_cast<std::size_t>(step)]);
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
