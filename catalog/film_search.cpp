#include "catalog/film_search.hpp"

#include <cctype>
#include <vector>

#include "catalog/database.hpp"

namespace festival::catalog {
namespace {

bool postgresql(const database& db) { return db.dialect() == sql_dialect::postgresql; }

// Split on ASCII space and punctuation; UTF-8 bytes (accented letters) stay inside words.
std::vector<std::string> words_of(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    for (const unsigned char c : text) {
        if (c >= 0x80 || std::isalnum(c)) {
            word += static_cast<char>(c);
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) words.push_back(std::move(word));
    return words;
}

// PostgreSQL: the same cut as words_of, made after unaccent (which may turn a letter into ASCII
// punctuation: « → <<), so no tsquery operator and no markup the text parser would drop is left.
constexpr const char* ascii_separators = R"('[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+')";

std::string postgresql_document(const std::string& parameter) {
    return std::string("to_tsvector('simple', regexp_replace(unaccent(") + parameter + "), " + ascii_separators +
           ", ' ', 'g'))";
}

// Each word of the unaccented text a prefix term, all of them needed: "word:* & other:*".
std::string postgresql_query(const std::string& parameter) {
    return std::string("to_tsquery('simple', (SELECT string_agg(word || ':*', ' & ') FROM regexp_split_to_table("
                       "unaccent(") + parameter + "), " + ascii_separators + ") AS word WHERE word <> ''))";
}

}  // namespace

std::string fts_query_from_text(const std::string& text) {
    std::string query;
    for (const auto& word : words_of(text)) {
        if (!query.empty()) query += ' ';
        query += '"' + word + "\"*";
    }
    return query;
}

void index_film_for_search(database& db, std::int64_t film_id, const std::string& text) {
    forget_film_for_search(db, film_id);
    auto insert = db.prepare(postgresql(db) ? "INSERT INTO films_search (film_id, body, document) VALUES (:film, "
                                              ":body, " + postgresql_document(":body") + ")"
                                            : "INSERT INTO films_fts (rowid, body) VALUES (:film, :body)");
    insert.bind(":film", film_id).bind(":body", text).run();
}

void forget_film_for_search(database& db, std::int64_t film_id) {
    auto wipe = db.prepare(postgresql(db) ? "DELETE FROM films_search WHERE film_id = :film"
                                          : "DELETE FROM films_fts WHERE rowid = :film");
    wipe.bind(":film", film_id).run();
}

film_search_filter film_search(const database& db, const std::string& typed) {
    const auto words = words_of(typed);
    if (words.empty()) return {};
    if (!postgresql(db)) return {"films.id IN (SELECT rowid FROM films_fts WHERE films_fts MATCH :match)",
                                 fts_query_from_text(typed)};
    std::string joined;
    for (const auto& word : words) joined += (joined.empty() ? "" : " ") + word;
    return {"films.id IN (SELECT film_id FROM films_search WHERE document @@ " + postgresql_query(":match") + ")",
            joined};
}

}  // namespace festival::catalog
