#pragma once
// A film and a premiere of it written straight into the catalog, for the rooms' catalog tests.
#include <cstdint>
#include <string>

#include "catalog/database.hpp"
#include "catalog/inserted_id.hpp"

namespace festival::testing {

inline std::int64_t add_premiere_row(catalog::database& db, const std::string& slug = "seance") {
    auto film = db.prepare("INSERT INTO films (slug, original_title, category) VALUES (?1, 'T', 'short') RETURNING id");
    film.bind(1, slug);
    const auto film_id = catalog::inserted_id(film);
    auto insert = db.prepare(
        "INSERT INTO premieres (film_id, starts_at, duration_seconds, created_at) "
        "VALUES (?1, '2030-01-01T20:00:00Z', 5400, '2029-12-01T00:00:00Z') RETURNING id");
    insert.bind(1, film_id);
    return catalog::inserted_id(insert);
}

}  // namespace festival::testing
