#include "catalog/audio_tracks.hpp"

#include <map>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/films.hpp"
#include "catalog/sql_lists.hpp"
#include "transcoder/media/utf8.hpp"

namespace festival::catalog {
namespace {

// The table's columns, read by name in read_track_row: the one place a track row is mapped.
constexpr const char* track_columns = "id, film_id, lang, role, name, path, created_at";

audio_track read_track_row(statement& st) {
    audio_track t;
    t.id = st.int64("id");
    t.film_id = st.int64("film_id");
    t.lang = st.text("lang");
    t.role = st.text("role");
    t.name = st.text("name");
    t.path = st.text("path");
    t.created_at = st.text("created_at");
    return t;
}

constexpr std::size_t max_name_bytes = 100;

}  // namespace

bool is_audio_track_role(const std::string& role) { return role == "description" || role == "dub"; }

void check_audio_track_fields(const std::string& role, const std::string& name) {
    if (!is_audio_track_role(role))
        throw invalid("invalid_role", "an audio track's role is 'description' (audio description) or 'dub'");
    if (name.size() > max_name_bytes)
        throw invalid("invalid_name", "an audio track's name is at most " + std::to_string(max_name_bytes) + " bytes");
    if (!media::valid_utf8(name)) throw invalid("invalid_name", "an audio track's name must be UTF-8 text");
    for (const unsigned char c : name)
        if (c < 0x20 || c == 0x7f) throw invalid("invalid_name", "an audio track's name is one line of text");
}

stored_audio_track store_audio_track(database& db, const audio_track& track) {
    check_audio_track_fields(track.role, track.name);
    if (track.lang.empty() || track.path.empty()) throw invalid("invalid_track", "a track needs a language and a file");
    transaction tx(db);
    stored_audio_track stored;
    auto previous = db.prepare("SELECT path FROM film_audio_tracks WHERE film_id = :film AND role = :role AND lang = :lang");
    previous.bind(":film", track.film_id).bind(":role", track.role).bind(":lang", track.lang);
    if (previous.step() && previous.text("path") != track.path) stored.replaced_path = previous.text("path");
    auto upsert = db.prepare(std::string(
        "INSERT INTO film_audio_tracks (film_id, lang, role, name, path, created_at) "
        "VALUES (:film, :lang, :role, :name, :path, :now) ON CONFLICT (film_id, role, lang) DO UPDATE SET "
        "name = excluded.name, path = excluded.path, created_at = excluded.created_at RETURNING ") + track_columns);
    upsert.bind(":film", track.film_id).bind(":lang", track.lang).bind(":role", track.role).bind(":name", track.name)
        .bind(":path", track.path).bind(":now", utc_now());
    upsert.step();
    stored.track = read_track_row(upsert);
    upsert.step();  // runs the statement to its end (one row)
    tx.commit();
    return stored;
}

std::optional<audio_track> find_audio_track(database& db, std::int64_t id) {
    auto st = db.prepare(std::string("SELECT ") + track_columns + " FROM film_audio_tracks WHERE id = :id");
    st.bind(":id", id);
    if (!st.step()) return std::nullopt;
    return read_track_row(st);
}

std::vector<audio_track> list_audio_tracks(database& db, std::int64_t film_id) {
    auto st = db.prepare(std::string("SELECT ") + track_columns +
                         " FROM film_audio_tracks WHERE film_id = :film ORDER BY role, lang");
    st.bind(":film", film_id);
    std::vector<audio_track> tracks;
    while (st.step()) tracks.push_back(read_track_row(st));
    return tracks;
}

audio_track delete_audio_track(database& db, std::int64_t film_id, std::int64_t id) {
    auto st = db.prepare(std::string("DELETE FROM film_audio_tracks WHERE id = :id AND film_id = :film RETURNING ") +
                         track_columns);
    st.bind(":id", id).bind(":film", film_id);
    if (!st.step()) throw not_found("audio_track_not_found", "this film has no audio track " + std::to_string(id));
    auto removed = read_track_row(st);
    st.step();
    return removed;
}

std::vector<audio_track_source> audio_track_sources(const std::vector<audio_track>& tracks) {
    std::vector<audio_track_source> sources;
    for (const auto& t : tracks) sources.push_back({t.id, t.lang, t.role, t.name, t.path});
    return sources;
}

void load_audio_tracks(database& db, std::vector<film>& films) {
    if (films.empty()) return;
    std::map<std::int64_t, film*> by_id;
    std::vector<std::int64_t> ids;
    for (auto& f : films) {
        by_id.emplace(f.id, &f);
        ids.push_back(f.id);
    }
    auto st = db.prepare(std::string("SELECT ") + track_columns + " FROM film_audio_tracks WHERE film_id IN (" +
                         ids_subquery(db, ":ids") + ") ORDER BY role, lang");
    st.bind(":ids", ids_json(ids));
    while (st.step()) {
        auto t = read_track_row(st);
        by_id.at(t.film_id)->audio_tracks.push_back(std::move(t));
    }
}

nlohmann::json audio_track_to_json(const audio_track& track) {
    return {{"id", track.id},
            {"language", track.lang},
            {"role", track.role},
            {"name", track.name},
            {"created_at", track.created_at}};
}

}  // namespace festival::catalog
