#pragma once
// Curators' audio tracks of a film (audio description, dubbed languages): one file per role and
// language, aligned to the film, stored under its sources folder and turned into HLS audio renditions
// by an audio job. The catalog keeps which tracks a film has; the files are the server's to move.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/jobs.hpp"

namespace festival::catalog {

class database;
struct film;

struct audio_track {
    std::int64_t id = 0;
    std::int64_t film_id = 0;
    std::string lang;  // ISO 639 as the festival names it ("fr")
    std::string role;  // "description" | "dub"
    std::string name;  // optional label shown to viewers, e.g. "Version française"
    std::string path;  // absolute file under the film's sources folder
    std::string created_at;
};

// "description" and "dub" are the roles a curator's track may have.
bool is_audio_track_role(const std::string& role);
// Checks role and name (the language is the caller's to normalise); throws invalid (invalid_role,
// invalid_name) with a reason.
void check_audio_track_fields(const std::string& role, const std::string& name);

// Stores the track, replacing the film's track of the same role and language. Returns the stored row
// and, when one was replaced, the file it no longer names (the caller removes it after its commit).
struct stored_audio_track {
    audio_track track;
    std::optional<std::string> replaced_path;
};
stored_audio_track store_audio_track(database& db, const audio_track& track);
std::optional<audio_track> find_audio_track(database& db, std::int64_t id);
// The film's tracks, by role then language.
std::vector<audio_track> list_audio_tracks(database& db, std::int64_t film_id);
// Removes the track; throws not_found when it is not one of the film's.
audio_track delete_audio_track(database& db, std::int64_t film_id, std::int64_t id);

// What a job needs of the tracks.
std::vector<audio_track_source> audio_track_sources(const std::vector<audio_track>& tracks);
// Fills each film's `audio_tracks`, in one query.
void load_audio_tracks(database& db, std::vector<film>& films);

// {id, language, role, name, created_at}: never the file's path.
nlohmann::json audio_track_to_json(const audio_track& track);

}  // namespace festival::catalog
