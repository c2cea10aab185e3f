#include "catalog/films.hpp"

#include <algorithm>
#include <cctype>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"

namespace festival::catalog {
namespace {

constexpr const char* film_columns =
    "id, slug, original_title, year, runtime_minutes, category, directors, countries, themes, "
    "spoken_languages, subtitle_languages, credits, poster, rights_note, published, available_from, "
    "available_until, media_version, created_at, updated_at, previous_version, version_switched_at, pending_version";

std::vector<std::string> string_list(const std::string& json_text) {
    return nlohmann::json::parse(json_text).get<std::vector<std::string>>();
}

std::string list_text(const std::vector<std::string>& values) { return nlohmann::json(values).dump(); }

film read_film_row(statement& st) {
    film f;
    f.id = st.int64(0);
    f.slug = st.text(1);
    f.original_title = st.text(2);
    if (auto v = st.optional_int64(3)) f.year = static_cast<int>(*v);
    if (auto v = st.optional_int64(4)) f.runtime_minutes = static_cast<int>(*v);
    f.category = st.text(5);
    f.directors = string_list(st.text(6));
    f.countries = string_list(st.text(7));
    f.themes = string_list(st.text(8));
    f.spoken_languages = string_list(st.text(9));
    f.subtitle_languages = string_list(st.text(10));
    f.credits = nlohmann::json::parse(st.text(11));
    f.poster = st.optional_text(12);
    f.rights_note = st.text(13);
    f.published = st.int64(14) != 0;
    f.available_from = st.optional_text(15);
    f.available_until = st.optional_text(16);
    f.media_version = st.optional_int64(17);
    f.created_at = st.text(18);
    f.updated_at = st.text(19);
    f.previous_version = st.optional_int64(20);
    f.version_switched_at = st.optional_int64(21);
    f.pending_version = st.optional_int64(22);
    return f;
}

void load_texts(database& db, film& f) {
    auto st = db.prepare("SELECT lang, title, synopsis FROM film_texts WHERE film_id = ?");
    st.bind(1, f.id);
    while (st.step()) f.texts[st.text(0)] = film_text{st.text(1), st.text(2)};
}

void save_texts(database& db, const film& f) {
    auto wipe = db.prepare("DELETE FROM film_texts WHERE film_id = ?");
    wipe.bind(1, f.id).run();
    auto insert = db.prepare("INSERT INTO film_texts (film_id, lang, title, synopsis) VALUES (?, ?, ?, ?)");
    for (const auto& [lang, text] : f.texts) {
        insert.reset();
        insert.bind(1, f.id).bind(2, lang).bind(3, text.title).bind(4, text.synopsis).run();
    }
}

// The searchable text of a film: every title, synopsis, director, theme and country it has.
void index_for_search(database& db, const film& f) {
    std::string body = f.original_title + "\n" + f.slug;
    for (const auto& [lang, text] : f.texts) body += "\n" + text.title + "\n" + text.synopsis;
    for (const auto* list : {&f.directors, &f.themes, &f.countries})
        for (const auto& value : *list) body += "\n" + value;
    auto wipe = db.prepare("DELETE FROM films_fts WHERE rowid = ?");
    wipe.bind(1, f.id).run();
    auto insert = db.prepare("INSERT INTO films_fts (rowid, body) VALUES (?, ?)");
    insert.bind(1, f.id).bind(2, body).run();
}

std::optional<film> find_where(database& db, const std::string& where, const std::string& key) {
    auto st = db.prepare(std::string("SELECT ") + film_columns + " FROM films WHERE " + where);
    st.bind(1, key);
    if (!st.step()) return std::nullopt;
    film f = read_film_row(st);
    load_texts(db, f);
    return f;
}

bool is_unique_violation(const database_error& e) {
    return e.extended_code() == 2067 /* SQLITE_CONSTRAINT_UNIQUE */ ||
           e.extended_code() == 1555 /* SQLITE_CONSTRAINT_PRIMARYKEY */;
}

void bind_editable(statement& st, const film& f) {
    st.bind(1, f.slug)
        .bind(2, f.original_title)
        .bind(3, f.year)
        .bind(4, f.runtime_minutes)
        .bind(5, f.category)
        .bind(6, list_text(f.directors))
        .bind(7, list_text(f.countries))
        .bind(8, list_text(f.themes))
        .bind(9, list_text(f.spoken_languages))
        .bind(10, list_text(f.subtitle_languages))
        .bind(11, f.credits.dump())
        .bind(12, f.poster)
        .bind(13, f.rights_note)
        .bind(14, f.published ? 1 : 0)
        .bind(15, f.available_from)
        .bind(16, f.available_until);
}

}  // namespace

screening_state screening_at(const film& f, std::int64_t unix_time) {
    if (!f.published) return screening_state::unpublished;
    if (f.available_from) {
        if (auto from = parse_utc(*f.available_from); from && unix_time < *from) return screening_state::upcoming;
    }
    if (f.available_until) {
        if (auto until = parse_utc(*f.available_until); until && unix_time >= *until) return screening_state::ended;
    }
    return screening_state::now;
}

const char* to_string(screening_state s) {
    switch (s) {
        case screening_state::unpublished: return "unpublished";
        case screening_state::upcoming: return "upcoming";
        case screening_state::now: return "now";
        case screening_state::ended: return "ended";
    }
    return "unpublished";
}

film create_film(database& db, const film& draft) {
    transaction tx(db);
    auto st = db.prepare(
        "INSERT INTO films (slug, original_title, year, runtime_minutes, category, directors, countries, themes, "
        "spoken_languages, subtitle_languages, credits, poster, rights_note, published, available_from, "
        "available_until) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    bind_editable(st, draft);
    try {
        st.run();
    } catch (const database_error& e) {
        if (is_unique_violation(e)) throw conflict("slug_taken", "a film with slug '" + draft.slug + "' exists");
        throw;
    }
    film stored = draft;
    stored.id = db.last_insert_rowid();
    save_texts(db, stored);
    index_for_search(db, stored);
    tx.commit();
    return *find_film(db, stored.id);
}

film update_film(database& db, const film& changed) {
    transaction tx(db);
    auto st = db.prepare(
        "UPDATE films SET slug=?, original_title=?, year=?, runtime_minutes=?, category=?, directors=?, "
        "countries=?, themes=?, spoken_languages=?, subtitle_languages=?, credits=?, poster=?, rights_note=?, "
        "published=?, available_from=?, available_until=?, "
        "updated_at=strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id=?");
    bind_editable(st, changed);
    st.bind(17, changed.id);
    try {
        st.run();
    } catch (const database_error& e) {
        if (is_unique_violation(e)) throw conflict("slug_taken", "a film with slug '" + changed.slug + "' exists");
        throw;
    }
    if (db.changes() == 0) throw not_found("film_not_found", "no film with id " + std::to_string(changed.id));
    save_texts(db, changed);
    index_for_search(db, changed);
    tx.commit();
    return *find_film(db, changed.id);
}

// Plays and audience figures name films without a foreign key (they outlive nothing but must not
// outlive the film): a deleted film's viewers' traces go with it.
void forget_film_audience(database& db, std::int64_t id) {
    for (const char* table : {"plays", "stats_film_minute", "stats_film_hour", "stats_film_day", "stats_retention",
                              "stats_viewers"}) {
        auto st = db.prepare(std::string("DELETE FROM ") + table + " WHERE film_id = ?");
        st.bind(1, id).run();
    }
}

void delete_film(database& db, std::int64_t id) {
    transaction tx(db);
    auto st = db.prepare("DELETE FROM films WHERE id = ?");
    st.bind(1, id).run();
    if (db.changes() == 0) throw not_found("film_not_found", "no film with id " + std::to_string(id));
    auto fts = db.prepare("DELETE FROM films_fts WHERE rowid = ?");
    fts.bind(1, id).run();
    forget_film_audience(db, id);
    tx.commit();
}

film publish_pending_version(database& db, std::int64_t film_id, std::int64_t version) {
    transaction tx(db);
    const auto stored = find_film(db, film_id);
    if (!stored) throw not_found("film_not_found", "no film with id " + std::to_string(film_id));
    if (stored->pending_version != version)
        throw conflict("version_not_pending", "version " + std::to_string(version) + " is not waiting for publication");
    auto st = db.prepare(
        "UPDATE films SET previous_version = media_version, media_version = ?1, pending_version = NULL, "
        "version_switched_at = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?3");
    st.bind(1, version).bind(2, unix_now()).bind(3, film_id).run();
    tx.commit();
    return *find_film(db, film_id);
}

std::set<std::int64_t> versions_to_keep(database& db, std::int64_t film_id) {
    auto st = db.prepare(
        "SELECT v FROM (SELECT media_version AS v FROM films WHERE id = ?1 "
        "UNION SELECT previous_version FROM films WHERE id = ?1 "
        "UNION SELECT pending_version FROM films WHERE id = ?1 "
        "UNION SELECT id FROM jobs WHERE film_id = ?1 AND status IN ('queued', 'running')) WHERE v IS NOT NULL");
    st.bind(1, film_id);
    std::set<std::int64_t> keep;
    while (st.step()) keep.insert(st.int64(0));
    return keep;
}

std::optional<film> find_film(database& db, std::int64_t id) {
    return find_where(db, "id = CAST(?1 AS INTEGER)", std::to_string(id));
}

std::optional<film> find_film_by_slug(database& db, const std::string& slug) {
    return find_where(db, "slug = ?1", slug);
}

std::optional<film> find_film_by_key(database& db, const std::string& key) {
    const bool numeric = !key.empty() && key.size() < 19 &&
                         std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isdigit(c); });
    if (numeric) return find_film(db, std::stoll(key));
    return find_film_by_slug(db, key);
}

std::string fts_query_from_text(const std::string& text) {
    // Split on ASCII space and punctuation; UTF-8 bytes (accented letters) stay inside words.
    std::string query, word;
    auto flush = [&] {
        if (word.empty()) return;
        if (!query.empty()) query += ' ';
        query += '"' + word + "\"*";
        word.clear();
    };
    for (unsigned char c : text) {
        if (c >= 0x80 || std::isalnum(c)) word += static_cast<char>(c);
        else flush();
    }
    flush();
    return query;
}

film_page list_films(database& db, const film_query& q, std::int64_t now) {
    std::string where = " WHERE 1=1";
    std::vector<std::string> args;
    if (q.published_only) where += " AND published = 1";
    if (q.category) { where += " AND category = ?"; args.push_back(*q.category); }
    if (q.country) {
        where += " AND EXISTS (SELECT 1 FROM json_each(films.countries) WHERE value = ? COLLATE NOCASE)";
        args.push_back(*q.country);
    }
    if (q.language) {
        where += " AND (EXISTS (SELECT 1 FROM json_each(films.spoken_languages) WHERE value = ?)"
                 " OR EXISTS (SELECT 1 FROM json_each(films.subtitle_languages) WHERE value = ?))";
        args.push_back(*q.language);
        args.push_back(*q.language);
    }
    if (q.tag) {
        where += " AND EXISTS (SELECT 1 FROM json_each(films.themes) WHERE value = ? COLLATE NOCASE)";
        args.push_back(*q.tag);
    }
    if (q.text) {
        const std::string match = fts_query_from_text(*q.text);
        if (!match.empty()) {
            where += " AND id IN (SELECT rowid FROM films_fts WHERE films_fts MATCH ?)";
            args.push_back(match);
        }
    }
    if (q.screening) {
        const std::string now_text = format_utc(now);
        switch (*q.screening) {
            case screening_state::unpublished: where += " AND published = 0"; break;
            case screening_state::upcoming:
                where += " AND published = 1 AND available_from > ?";
                args.push_back(now_text);
                break;
            case screening_state::ended:
                where += " AND published = 1 AND available_until <= ?";
                args.push_back(now_text);
                break;
            case screening_state::now:
                where += " AND published = 1 AND (available_from IS NULL OR available_from <= ?)"
                         " AND (available_until IS NULL OR available_until > ?)";
                args.push_back(now_text);
                args.push_back(now_text);
                break;
        }
    }
    auto bind_args = [&](statement& st) {
        for (std::size_t i = 0; i < args.size(); ++i) st.bind(static_cast<int>(i + 1), args[i]);
    };
    film_page page;
    auto count = db.prepare("SELECT count(*) FROM films" + where);
    bind_args(count);
    count.step();
    page.total = count.int64(0);

    auto st = db.prepare(std::string("SELECT ") + film_columns + " FROM films" + where +
                         " ORDER BY COALESCE(available_from, created_at), id LIMIT ? OFFSET ?");
    bind_args(st);
    st.bind(static_cast<int>(args.size() + 1), q.limit).bind(static_cast<int>(args.size() + 2), q.offset);
    while (st.step()) page.items.push_back(read_film_row(st));
    for (auto& f : page.items) load_texts(db, f);
    return page;
}

std::vector<film> list_all_films(database& db) {
    auto st = db.prepare(std::string("SELECT ") + film_columns + " FROM films ORDER BY id");
    std::vector<film> films;
    while (st.step()) films.push_back(read_film_row(st));
    return films;
}

}  // namespace festival::catalog
