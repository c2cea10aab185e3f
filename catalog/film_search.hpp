#pragma once
// Searching films by the words a viewer types: case- and accent-insensitive, each word a prefix,
// every word needed. SQLite keeps the text in the FTS5 table films_fts (unicode61, diacritics
// removed); PostgreSQL in films_search, a `simple` tsvector of the text run through unaccent. Both
// cut words at ASCII spaces and punctuation only, so a word typed matches the same films on both.
#include <cstdint>
#include <string>

namespace festival::catalog {

class database;

// Replaces the film's searchable text.
void index_film_for_search(database& db, std::int64_t film_id, const std::string& text);
void forget_film_for_search(database& db, std::int64_t film_id);

// "films.id IN (…)" for the films matching what was typed, its one parameter :match bound to
// `match`; empty when the text has no word (no condition then).
struct film_search_filter {
    std::string condition;
    std::string match;
};
film_search_filter film_search(const database& db, const std::string& typed);

// Turns free text typed by a viewer into a safe FTS5 query: each word quoted and prefix-matched.
std::string fts_query_from_text(const std::string& text);

}  // namespace festival::catalog
