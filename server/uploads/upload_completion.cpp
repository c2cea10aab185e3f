#include "server/uploads/upload_completion.hpp"

#include <filesystem>

#include "catalog/audio_tracks.hpp"
#include "catalog/database.hpp"
#include "server/uploads/tus_headers.hpp"
#include "server/uploads/upload_audio.hpp"
#include "server/uploads/upload_probe.hpp"
#include "server/uploads/upload_store.hpp"
#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

std::string safe_extension(const std::string& filename) {
    const auto ext = std::filesystem::path(filename).extension().string();
    if (ext.size() < 2 || ext.size() > 6) return ".bin";
    for (std::size_t i = 1; i < ext.size(); ++i) {
        const char c = ext[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return ".bin";
    }
    return ext;
}

std::vector<catalog::subtitle_source> stored_subtitles(festival_app& app, std::int64_t film_id) {
    std::vector<catalog::subtitle_source> found;
    const auto dir = app.settings->layout().source_subtitles_dir(film_id);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.path().extension() != ".vtt") continue;
        found.push_back({entry.path().stem().string(), std::filesystem::absolute(entry.path()).string()});
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.lang < b.lang; });
    return found;
}

catalog::upload complete_upload(festival_app& app, const catalog::upload& record, const std::atomic<bool>* stopping) {
    if (const auto metadata = tus::parse_metadata(record.metadata); is_audio_upload(metadata))
        return complete_audio_upload(app, record, audio_upload_fields_of(metadata), stopping);
    auto& db = app.catalog.local();
    const auto part = app.uploads.part_path(record.id);
    const auto probe = probe_film(app.settings->transcoder_path, part.string(), std::chrono::seconds(300), stopping);
    if (stopping && *stopping) return record;
    if (!probe.playable) {
        catalog::finish_upload(db, record.id, catalog::upload_status::failed, probe.error_message, std::nullopt);
        log_event("upload_refused", {{"upload", record.id}, {"code", probe.error_code}});
        throw http_error(422, probe.error_code, probe.error_message);
    }
    // The master is kept beside the film's other sources; the currently published version keeps
    // streaming until the job publishes its own (for a published film, until a curator publishes it).
    const auto dir = app.uploads.film_sources_dir(record.film_id);
    std::filesystem::create_directories(dir);
    const auto source = std::filesystem::absolute(dir / ("master-" + record.id + safe_extension(record.filename)));
    std::filesystem::rename(part, source);
    media::sync_directory(dir);
    media::sync_directory(app.uploads.uploads_dir());

    catalog::transaction tx(db);
    const auto job = catalog::enqueue_job(db, record.film_id, source.string(), stored_subtitles(app, record.film_id),
                                          catalog::audio_track_sources(catalog::list_audio_tracks(db, record.film_id)));
    catalog::finish_upload(db, record.id, catalog::upload_status::done, std::nullopt, job);
    tx.commit();
    log_event("upload_queued", {{"upload", record.id}, {"film", record.film_id}, {"job", job}});
    auto done = record;
    done.status = catalog::upload_status::done;
    done.job_id = job;
    return done;
}

}  // namespace festival::server
