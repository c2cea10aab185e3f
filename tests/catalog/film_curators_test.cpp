#include <doctest/doctest.h>

#include <algorithm>

#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/film_curators.hpp"
#include "catalog/inserted_id.hpp"
#include "catalog/schema.hpp"

#include "tests/support/catalog_before_step.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

namespace {

std::int64_t add_film(database& db, const std::string& slug) {
    auto insert = db.prepare("INSERT INTO films (slug, original_title, category) VALUES (?1, 'T', 'short') RETURNING id");
    insert.bind(1, slug);
    return inserted_id(insert);
}

std::vector<std::int64_t> ids_of(const std::vector<user>& users) {
    std::vector<std::int64_t> ids;
    for (const auto& u : users) ids.push_back(u.id);
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace

// A migration from an older SQLite catalog: SQLite only.
TEST_CASE("films made before curators were assigned go to every curator, not to organizers") {
    database db(":memory:");
    festival::test::migrate_to_before_step(db, "CREATE TABLE film_curators");
    const auto ana = create_user(db, "ana@festival.test", "Ana", role::curator, "long enough password");
    const auto ben = create_user(db, "ben@festival.test", "Ben", role::curator, "long enough password");
    const auto org = create_user(db, "org@festival.test", "Org", role::organizer, "long enough password");
    const auto film = add_film(db, "old");
    migrate(db);
    CHECK(is_film_curator(db, film, ana.id));
    CHECK(is_film_curator(db, film, ben.id));
    CHECK_FALSE(is_film_curator(db, film, org.id));
}

TEST_CASE("organizers replace a film's curators by id or email, and only curators can be assigned") {
    auto db = festival::test::open_fresh_catalog();
    const auto ana = create_user(db, "ana@festival.test", "Ana", role::curator, "long enough password");
    const auto ben = create_user(db, "ben@festival.test", "Ben", role::curator, "long enough password");
    create_user(db, "org@festival.test", "Org", role::organizer, "long enough password");
    const auto film = add_film(db, "new");
    const auto other = add_film(db, "other");
    assign_film_curator(db, film, ana.id);
    assign_film_curator(db, film, ana.id);  // twice is once
    CHECK(ids_of(film_curators(db, film)) == std::vector<std::int64_t>{ana.id});

    CHECK(ids_of(set_film_curators(db, film, {std::to_string(ana.id), "BEN@festival.test"})) ==
          std::vector<std::int64_t>{ana.id, ben.id});
    CHECK(ids_of(set_film_curators(db, film, {"ben@festival.test"})) == std::vector<std::int64_t>{ben.id});
    CHECK_FALSE(is_film_curator(db, film, ana.id));
    CHECK_FALSE(is_film_curator(db, other, ben.id));

    // A wrong entry changes nothing.
    CHECK_THROWS_AS(set_film_curators(db, film, {std::to_string(ana.id), "nobody@festival.test"}), catalog_error);
    CHECK_THROWS_AS(set_film_curators(db, film, {"org@festival.test"}), catalog_error);
    CHECK_THROWS_AS(set_film_curators(db, film, {"999"}), catalog_error);
    CHECK(ids_of(film_curators(db, film)) == std::vector<std::int64_t>{ben.id});

    CHECK(set_film_curators(db, film, {}).empty());
    assign_film_curator(db, other, ana.id);
    const auto both = curators_of_films(db, {film, other});
    CHECK(both.count(film) == 0);
    CHECK(ids_of(both.at(other)) == std::vector<std::int64_t>{ana.id});
    db.exec("DELETE FROM films WHERE id = " + std::to_string(other));
    CHECK_FALSE(is_film_curator(db, other, ana.id));
}
