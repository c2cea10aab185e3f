#include "catalog/films.hpp"

#include <algorithm>
#include <cctype>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/film_search.hpp"
#include "catalog/inserted_id.hpp"
#include "catalog/sql_lists.hpp"

namespace festival::catalog {
namespace {

// The films table's columns, read by name in read_film_row: the one place a film row is mapped.
constexpr const char* film_columns =
    "id, slug, original_title, year, runtime_minutes, category, directors, countries, themes, "
    "spoken_languages, subtitle_languages, credits, poster, rights_note, published, available_from, "
    "available_until, media_version, created_at, updated_at, previous_version, version_switched_at, pending_version";

std::vector<std::string> string_list(const std::string& json_text) {
    return nlohmann::json::parse(json_text).get<std::vector<std::string>>();
}

std::string list_text(const std::vector<std::string>& values) { return nlohmann::json(values).dump(); }

std::optional<int> optional_int(const std::optional<std::int64_t>& value) {
    return value ? std::optional<int>(static_cast<int>(*value)) : std::nullopt;
}

film read_film_row(statement& st) {
    film f;
    f.id = st.int64("id");
    f.slug = st.text("slug");
    f.original_title = st.text("original_title");
    f.year = optional_int(st.optional_int64("year"));
    f.runtime_minutes = optional_int(st.optional_int64("runtime_minutes"));
    f.category = st.text("category");
    f.directors = string_list(st.text("directors"));
    f.countries = string_list(st.text("countries"));
    f.themes = string_list(st.text("themes"));
    f.spoken_languages = string_list(st.text("spoken_languages"));
    f.subtitle_languages = string_list(st.text("subtitle_languages"));
    f.credits = nlohmann::json::parse(st.text("credits"));
    f.poster = st.optional_text("poster");
    f.rights_note = st.text("rights_note");
    f.published = st.int64("published") != 0;
    f.available_from = st.optional_text("available_from");
    f.available_until = st.optional_text("available_until");
    f.media_version = st.optional_int64("media_version");
    f.created_at = st.text("created_at");
    f.updated_at = st.text("updated_at");
    f.previous_version = st.optional_int64("previous_version");
    f.version_switched_at = st.optional_int64("version_switched_at");
    f.pending_version = st.optional_int64("pending_version");
    return f;
}

// The texts of every film given, in one query.
void load_texts(database& db, std::vector<film>& films) {
    if (films.empty()) return;
    std::map<std::int64_t, film*> by_id;
    std::vector<std::int64_t> ids;
    for (auto& f : films) {
        by_id.emplace(f.id, &f);
        ids.push_back(f.id);
    }
    auto st = db.prepare("SELECT film_id, lang, title, synopsis FROM film_texts WHERE film_id IN (" +
                         ids_subquery(db, ":ids") + ")");
    st.bind(":ids", ids_json(ids));
    while (st.step())
        by_id.at(st.int64("film_id"))->texts[st.text("lang")] = film_text{st.text("title"), st.text("synopsis")};
}

void save_texts(database& db, const film& f) {
    auto wipe = db.prepare("DELETE FROM film_texts WHERE film_id = :film");
    wipe.bind(":film", f.id).run();
    auto insert = db.prepare(
        "INSERT INTO film_texts (film_id, lang, title, synopsis) VALUES (:film, :lang, :title, :synopsis)");
    for (const auto& [lang, text] : f.texts) {
        insert.reset();
        insert.bind(":film", f.id).bind(":lang", lang).bind(":title", text.title).bind(":synopsis", text.synopsis).run();
    }
}

// The searchable text of a film: every title, synopsis, director, theme and country it has.
void index_for_search(database& db, const film& f) {
    std::string body = f.original_title + "\n" + f.slug;
    for (const auto& [lang, text] : f.texts) body += "\n" + text.title + "\n" + text.synopsis;
    for (const auto* list : {&f.directors, &f.themes, &f.countries})
        for (const auto& value : *list) body += "\n" + value;
    index_film_for_search(db, f.id, body);
}

// `where` names its one parameter :key.
std::optional<film> find_where(database& db, const std::string& where, const std::string& key) {
    auto st = db.prepare(std::string("SELECT ") + film_columns + " FROM films WHERE " + where);
    st.bind(":key", key);
    if (!st.step()) return std::nullopt;
    std::vector<film> found{read_film_row(st)};
    load_texts(db, found);
    load_audio_tracks(db, found);
    return std::move(found.front());
}

// The columns a curator edits, each bound to the parameter of its own name.
constexpr const char* editable_columns[] = {
    "slug", "original_title", "year", "runtime_minutes", "category", "directors", "countries", "themes",
    "spoken_languages", "subtitle_languages", "credits", "poster", "rights_note", "published", "available_from",
    "available_until"};

void bind_editable(statement& st, const film& f) {
    st.bind(":slug", f.slug)
        .bind(":original_title", f.original_title)
        .bind(":year", f.year)
        .bind(":runtime_minutes", f.runtime_minutes)
        .bind(":category", f.category)
        .bind(":directors", list_text(f.directors))
        .bind(":countries", list_text(f.countries))
        .bind(":themes", list_text(f.themes))
        .bind(":spoken_languages", list_text(f.spoken_languages))
        .bind(":subtitle_languages", list_text(f.subtitle_languages))
        .bind(":credits", f.credits.dump())
        .bind(":poster", f.poster)
        .bind(":rights_note", f.rights_note)
        .bind(":published", f.published ? 1 : 0)
        .bind(":available_from", f.available_from)
        .bind(":available_until", f.available_until);
}

// "INSERT INTO films (slug, …) VALUES (:slug, …) RETURNING id" over the editable columns and the times.
std::string insert_editable_sql() {
    std::string columns, values;
    for (const char* c : editable_columns) {
        columns += columns.empty() ? "" : ", ";
        columns += c;
        values += values.empty() ? ":" : ", :";
        values += c;
    }
    return "INSERT INTO films (" + columns + ", created_at, updated_at) VALUES (" + values + ", :now, :now) RETURNING id";
}

// "UPDATE films SET slug = :slug, … WHERE id = :id" over the editable columns.
std::string update_editable_sql() {
    std::string sql = "UPDATE films SET ";
    for (const char* c : editable_columns) sql += std::string(c) + " = :" + c + ", ";
    return sql + "updated_at = :now WHERE id = :id";
}

}  // namespace

screening_window screening_window_of(const film& f) {
    return screening_window::from_stored(f.published, f.available_from, f.available_until);
}

film create_film(database& db, const film& draft) {
    transaction tx(db);
    auto st = db.prepare(insert_editable_sql());
    bind_editable(st, draft);
    st.bind(":now", utc_now());
    film stored = draft;
    try {
        stored.id = inserted_id(st);
    } catch (const database_error& e) {
        if (e.is_key_taken()) throw conflict("slug_taken", "a film with slug '" + draft.slug + "' exists");
        throw;
    }
    save_texts(db, stored);
    index_for_search(db, stored);
    tx.commit();
    return *find_film(db, stored.id);
}

film update_film(database& db, const film& changed) {
    transaction tx(db);
    auto st = db.prepare(update_editable_sql());
    bind_editable(st, changed);
    st.bind(":id", changed.id).bind(":now", utc_now());
    try {
        st.run();
    } catch (const database_error& e) {
        if (e.is_key_taken()) throw conflict("slug_taken", "a film with slug '" + changed.slug + "' exists");
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
                              "stats_viewers", "stats_film_day_country", "stats_film_day_site",
                              "audience_sketch_registers"}) {
        auto st = db.prepare(std::string("DELETE FROM ") + table + " WHERE film_id = :film");
        st.bind(":film", id).run();
    }
}

void delete_film(database& db, std::int64_t id) {
    transaction tx(db);
    auto st = db.prepare("DELETE FROM films WHERE id = :film");
    st.bind(":film", id).run();
    if (db.changes() == 0) throw not_found("film_not_found", "no film with id " + std::to_string(id));
    forget_film_for_search(db, id);
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
        "UPDATE films SET previous_version = media_version, media_version = :version, pending_version = NULL, "
        "version_switched_at = :now, updated_at = :stamp WHERE id = :film");
    st.bind(":version", version).bind(":now", unix_now()).bind(":stamp", utc_now()).bind(":film", film_id).run();
    tx.commit();
    return *find_film(db, film_id);
}

std::set<std::int64_t> versions_to_keep(database& db, std::int64_t film_id) {
    auto st = db.prepare(
        "SELECT v FROM (SELECT media_version AS v FROM films WHERE id = :film "
        "UNION SELECT previous_version FROM films WHERE id = :film "
        "UNION SELECT pending_version FROM films WHERE id = :film "
        "UNION SELECT id FROM jobs WHERE film_id = :film AND status IN ('queued', 'running')) AS kept WHERE v IS NOT NULL");
    st.bind(":film", film_id);
    std::set<std::int64_t> keep;
    while (st.step()) keep.insert(st.int64(0));
    return keep;
}

std::optional<film> find_film(database& db, std::int64_t id) {
    return find_where(db, "id = CAST(:key AS BIGINT)", std::to_string(id));
}

std::optional<film> find_film_by_slug(database& db, const std::string& slug) {
    return find_where(db, "slug = :key", slug);
}

std::optional<film> find_film_by_key(database& db, const std::string& key) {
    const bool numeric = !key.empty() && key.size() < 19 &&
                         std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isdigit(c); });
    if (numeric) return find_film(db, std::stoll(key));
    return find_film_by_slug(db, key);
}

// Filters in SQL, then decides the screening state of each match with screening_window (the rule
// /media applies), then reads the one page asked for: its rows and their texts in one query each.
film_page list_films(database& db, const film_query& q, std::int64_t now) {
    std::string where = " WHERE TRUE";
    if (q.published_only) where += " AND published = 1";
    if (q.category) where += " AND category = :category";
    if (q.country) where += " AND " + json_list_holds(db, "films.countries", ":country", true);
    if (q.language)
        where += " AND (" + json_list_holds(db, "films.spoken_languages", ":language", false) + " OR " +
                 json_list_holds(db, "films.subtitle_languages", ":language", false) + ")";
    if (q.tag) where += " AND " + json_list_holds(db, "films.themes", ":tag", true);
    if (q.access == access_feature::audio_description || q.access == access_feature::both)
        where += " AND EXISTS (SELECT 1 FROM film_audio_tracks WHERE film_id = films.id AND role = 'description')";
    if (q.access == access_feature::subtitles || q.access == access_feature::both)
        where += " AND " + json_list_not_empty(db, "films.subtitle_languages");
    const auto search = q.text ? film_search(db, *q.text) : film_search_filter{};
    if (!search.condition.empty()) where += " AND " + search.condition;

    auto matches = db.prepare("SELECT id, published, available_from, available_until FROM films" + where +
                              " ORDER BY COALESCE(available_from, created_at), id");
    if (q.category) matches.bind(":category", *q.category);
    if (q.country) matches.bind(":country", *q.country);
    if (q.language) matches.bind(":language", *q.language);
    if (q.tag) matches.bind(":tag", *q.tag);
    if (!search.condition.empty()) matches.bind(":match", search.match);
    std::vector<std::int64_t> page_ids;
    film_page page;
    while (matches.step()) {
        if (q.screening) {
            const auto window = screening_window::from_stored(matches.int64("published") != 0,
                                                              matches.optional_text("available_from"),
                                                              matches.optional_text("available_until"));
            if (window.state_at(now) != *q.screening) continue;
        }
        if (page.total >= q.offset && page.total < static_cast<std::int64_t>(q.offset) + q.limit)
            page_ids.push_back(matches.int64("id"));
        ++page.total;
    }
    if (page_ids.empty()) return page;

    auto rows = db.prepare(std::string("SELECT ") + film_columns + " FROM films WHERE id IN (" +
                           ids_subquery(db, ":ids") + ")");
    rows.bind(":ids", ids_json(page_ids));
    std::map<std::int64_t, film> by_id;
    while (rows.step()) {
        auto f = read_film_row(rows);
        by_id.emplace(f.id, std::move(f));
    }
    for (auto id : page_ids)
        if (auto it = by_id.find(id); it != by_id.end()) page.items.push_back(std::move(it->second));
    load_texts(db, page.items);
    load_audio_tracks(db, page.items);
    return page;
}

std::vector<film> list_all_films(database& db) {
    auto st = db.prepare(std::string("SELECT ") + film_columns + " FROM films ORDER BY id");
    std::vector<film> films;
    while (st.step()) films.push_back(read_film_row(st));
    return films;
}

}  // namespace festival::catalog
