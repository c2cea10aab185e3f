#pragma once
// Films: the festival's catalog, with per-language texts, a screening window and full-text search.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/audio_tracks.hpp"
#include "catalog/screening_window.hpp"

namespace festival::catalog {

class database;

struct film_text {
    std::string title;
    std::string synopsis;
};

struct film {
    std::int64_t id = 0;
    std::string slug;
    std::string original_title;
    std::optional<int> year;
    std::optional<int> runtime_minutes;
    std::string category;  // documentary | short | fiction
    std::vector<std::string> directors;
    std::vector<std::string> countries;  // ISO 3166 alpha-2
    std::vector<std::string> themes;
    std::vector<std::string> spoken_languages;
    std::vector<std::string> subtitle_languages;
    nlohmann::json credits = nlohmann::json::object();
    std::optional<std::string> poster;
    std::string rights_note;
    bool published = false;
    std::optional<std::string> available_from;   // ISO UTC; open-ended when absent (screening_window_of reads them)
    std::optional<std::string> available_until;
    std::optional<std::int64_t> media_version;   // published HLS version (the job that made it)
    std::optional<std::int64_t> previous_version;  // the version before it, served for a grace period
    std::optional<std::int64_t> version_switched_at;  // unix seconds: when media_version last changed
    std::optional<std::int64_t> pending_version;   // a new master's version, waiting for a curator
    std::map<std::string, film_text> texts;      // by language code
    std::vector<audio_track> audio_tracks;       // curators' tracks, by role then language (read only here)
    std::string created_at;
    std::string updated_at;
};

// The film's screening window, read from its stored texts: ask it where the film stands at a time.
screening_window screening_window_of(const film& f);

// What the catalog's `?access=` filter asks of a film: an audio description track, subtitles, or both.
enum class access_feature { audio_description, subtitles, both };

struct film_query {
    std::optional<std::string> category;
    std::optional<std::string> country;
    std::optional<std::string> language;  // spoken or subtitled
    std::optional<std::string> tag;
    std::optional<std::string> text;      // full-text, accent-insensitive, prefix match
    std::optional<screening_state> screening;
    std::optional<access_feature> access;
    bool published_only = true;
    int limit = 24;
    int offset = 0;
};

struct film_page {
    std::vector<film> items;
    std::int64_t total = 0;
};

// Validates and stores a new film; throws catalog_error (invalid / conflict on a taken slug).
film create_film(database& db, const film& draft);
// Replaces every editable field of an existing film (id from `changed`).
film update_film(database& db, const film& changed);
// Deletes the film with everything recorded about it (texts, jobs, uploads, feedback, plays and
// audience figures). Its files are the caller's to remove, after this commits.
void delete_film(database& db, std::int64_t id);
// Makes the film's pending version current (the one before it stays the previous one). Throws
// not_found for an unknown film, conflict when `version` is not the film's pending version.
film publish_pending_version(database& db, std::int64_t film_id, std::int64_t version);
// The versions whose folders must stay on disk: current, previous, pending, and those of jobs not
// finished yet (a worker may have renamed its folder and not yet recorded it). One snapshot.
std::set<std::int64_t> versions_to_keep(database& db, std::int64_t film_id);
std::optional<film> find_film(database& db, std::int64_t id);
std::optional<film> find_film_by_slug(database& db, const std::string& slug);
// Accepts a numeric id or a slug.
std::optional<film> find_film_by_key(database& db, const std::string& id_or_slug);
film_page list_films(database& db, const film_query& query, std::int64_t now);
// Every published film's availability, for the media server's in-memory check.
std::vector<film> list_all_films(database& db);

}  // namespace festival::catalog
