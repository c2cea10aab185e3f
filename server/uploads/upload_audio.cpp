#include "server/uploads/upload_audio.hpp"

#include <filesystem>

#include "catalog/audio_tracks.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "server/uploads/upload_completion.hpp"
#include "server/uploads/upload_probe.hpp"
#include "server/uploads/upload_subtitles.hpp"
#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

namespace fs = std::filesystem;

std::string field(const std::map<std::string, std::string>& metadata, const char* name) {
    const auto found = metadata.find(name);
    return found == metadata.end() ? std::string() : found->second;
}

void remove_quietly(const fs::path& path) {
    std::error_code ignored;
    if (fs::remove(path, ignored)) media::sync_directory(path.parent_path());
}

}  // namespace

bool is_audio_upload(const std::map<std::string, std::string>& metadata) {
    const auto purpose = field(metadata, "purpose");
    if (purpose.empty() || purpose == "film") return false;
    if (purpose == "audio") return true;
    throw http_error(400, "invalid_purpose", "an upload's purpose is 'film' (a master) or 'audio' (an audio track)");
}

audio_upload_fields audio_upload_fields_of(const std::map<std::string, std::string>& metadata) {
    audio_upload_fields fields;
    if (field(metadata, "language").empty())
        throw http_error(400, "invalid_language", "an audio track needs its language in Upload-Metadata ('language')");
    fields.lang = language_code(field(metadata, "language"));
    fields.role = field(metadata, "role");
    fields.name = field(metadata, "name");
    catalog::check_audio_track_fields(fields.role, fields.name);  // 400 with the catalog's reason
    return fields;
}

catalog::upload complete_audio_upload(festival_app& app, const catalog::upload& record,
                                      const audio_upload_fields& fields, const std::atomic<bool>* stopping) {
    auto& db = app.catalog.local();
    const auto part = app.uploads.part_path(record.id);
    const auto probe = probe_audio(app.settings->transcoder_path, part.string(), std::chrono::seconds(300), stopping);
    if (stopping && *stopping) return record;
    if (!probe.playable) {
        // Nothing of a refused track is kept: the reason stays on the upload for the curator.
        remove_quietly(part);
        catalog::finish_upload(db, record.id, catalog::upload_status::failed, probe.error_message, std::nullopt);
        log_event("upload_refused", {{"upload", record.id}, {"code", probe.error_code}});
        throw http_error(422, probe.error_code, probe.error_message);
    }
    // A file of its own per upload: a job still reading the track it replaces keeps its file until then.
    const auto layout = app.settings->layout();
    const auto path = fs::absolute(
        layout.source_audio_track(record.film_id, fields.role, fields.lang, record.id, safe_extension(record.filename)));
    fs::create_directories(path.parent_path());
    fs::rename(part, path);
    media::sync_directory(path.parent_path());
    media::sync_directory(app.uploads.uploads_dir());

    catalog::audio_track track;
    track.film_id = record.film_id;
    track.lang = fields.lang;
    track.role = fields.role;
    track.name = fields.name;
    track.path = path.string();
    catalog::transaction tx(db);
    const auto stored = catalog::store_audio_track(db, track);
    const auto job = requeue_audio(app, record.film_id);
    catalog::finish_upload(db, record.id, catalog::upload_status::done, std::nullopt, job);
    tx.commit();
    if (stored.replaced_path) remove_quietly(*stored.replaced_path);
    log_event("audio_track_stored", {{"upload", record.id},
                                     {"film", record.film_id},
                                     {"track", stored.track.id},
                                     {"role", fields.role},
                                     {"lang", fields.lang},
                                     {"job", job ? nlohmann::json(*job) : nlohmann::json(nullptr)}});
    auto done = record;
    done.status = catalog::upload_status::done;
    done.job_id = job;
    return done;
}

// Whether `version`'s rungs carry the film's stereo (published before sound had renditions of its
// own): players cannot switch away from that sound, so such a version is no audio job's base
// (docs/audio.md). A version whose folder cannot be read is left for the audio job to report.
bool sound_in_rungs(const festival_app& app, std::int64_t film_id, std::int64_t version) {
    try {
        return media::read_version(app.settings->layout().version(film_id, version)).sound_in_rungs;
    } catch (const std::exception&) {
        return false;
    }
}

std::optional<std::int64_t> requeue_audio(festival_app& app, std::int64_t film_id) {
    auto& db = app.catalog.local();
    const auto film = catalog::find_film(db, film_id);
    if (!film) return std::nullopt;
    const auto tracks = catalog::audio_track_sources(film->audio_tracks);
    // A version no job of the film made (imported), or one whose rungs carry the sound, cannot be a
    // base: a transcode of the master then.
    const auto audio_job_on = [&](std::optional<std::int64_t> version) -> std::optional<std::int64_t> {
        if (!version || sound_in_rungs(app, film_id, *version)) return std::nullopt;
        try {
            catalog::transaction attempt(db);  // a refusal leaves the caller's transaction usable
            const auto job = catalog::enqueue_audio_job(db, film_id, *version, tracks);
            attempt.commit();
            return job;
        } catch (const catalog::catalog_error& e) {
            if (e.kind() != catalog::error_kind::not_found) throw;
            log_event("audio_job_base_missing", {{"film", film_id}, {"version", *version}});
            return std::nullopt;
        }
    };
    if (const auto job = audio_job_on(film->media_version)) {
        // A new master waiting for a curator's publication gets them too, and stays pending.
        const auto pending = audio_job_on(film->pending_version);
        return pending ? pending : job;
    }
    for (const auto& j : catalog::list_film_jobs(db, film_id)) {
        if (j.kind != "transcode" || j.status == catalog::job_status::cancelled || !fs::exists(j.source_path)) continue;
        return catalog::enqueue_job(db, film_id, j.source_path, stored_subtitles(app, film_id), tracks);
    }
    return std::nullopt;
}

}  // namespace festival::server
