#pragma once
// SQL over lists, which the two engines spell differently (SQLite's json_each, PostgreSQL's jsonb
// functions). The catalog keeps small lists as JSON text (a film's countries, languages, themes) and
// binds a list of ids as one JSON parameter, so a statement's text, and the plan prepared for it, is
// the same whatever the list's length.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace festival::catalog {

class database;

// A subquery yielding the ids bound to `parameter` (":ids") as ids_json(ids): "film_id IN (" + … + ")".
std::string ids_subquery(const database& db, std::string_view parameter);
std::string ids_json(const std::vector<std::int64_t>& ids);

// A condition: the JSON array of texts in `column` holds the text bound to `parameter`; with
// `fold_case`, compared in lower case (ASCII on SQLite, as its NOCASE was).
std::string json_list_holds(const database& db, std::string_view column, std::string_view parameter, bool fold_case);
// A condition: the JSON array in `column` is not empty.
std::string json_list_not_empty(const database& db, std::string_view column);

}  // namespace festival::catalog
