#include "server/uploads/upload_repackage.hpp"

#include <filesystem>
#include <set>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/job_publication.hpp"
#include "catalog/jobs.hpp"
#include "server/uploads/upload_completion.hpp"
#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/hls_playlists.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/media/version_links.hpp"
#include "transcoder/media/version_publisher.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

namespace fs = std::filesystem;

constexpr const char* repackager = "server-subtitles";

// Writes a file in the new version without touching the old one: the name may still be a hard link
// to the old version's file, so it is unlinked first rather than truncated.
void replace_linked_file(const fs::path& path, std::string_view text) {
    std::error_code ignored;
    fs::remove(path, ignored);
    media::write_whole_file(path.string(), text);
}

}  // namespace

std::optional<std::int64_t> repackage_subtitles(festival_app& app, std::int64_t film_id,
                                                const std::optional<std::string>& dropped) {
    auto& db = app.catalog.local();
    const auto film = catalog::find_film(db, film_id);
    if (!film || !film->media_version) return std::nullopt;
    const auto layout = app.settings->layout();
    const auto current = layout.version(film_id, *film->media_version);
    if (!fs::exists(current.master_playlist())) return std::nullopt;
    const auto made_by = catalog::find_job(db, *film->media_version);
    const auto stored = stored_subtitles(app, film_id);
    const auto job = catalog::start_server_job(db, film_id, made_by ? made_by->source_path : current.root().string(),
                                               stored, repackager, catalog::unix_now() + 3600);
    media::disk_version_store store;
    media::version_publisher publisher(layout, store);
    const auto fail = [&](const std::exception& e) {
        catalog::fail_job(db, job, repackager, std::string("repackaging subtitles: ") + e.what(), true);
    };
    try {
        const auto staged = publisher.stage(film_id, job).folder;
        auto version = media::read_version(current);
        // Every file of the current version, its sound renditions included; subtitles change below.
        std::set<std::string> sounds;
        for (const auto& r : version.audio_renditions) sounds.insert(r.id);
        media::link_version_files(current, staged, sounds);
        fs::create_directories(staged.subtitles_dir());
        // The stored files replace the version's own for their language; the others stay.
        std::set<std::string> languages(version.subtitle_languages.begin(), version.subtitle_languages.end());
        for (const auto& s : stored) {
            replace_linked_file(staged.subtitle_file(s.lang), media::read_text_file(s.path));
            replace_linked_file(staged.subtitle_playlist(s.lang),
                                media::subtitle_media_playlist(media::version_layout::subtitle_file_name(s.lang),
                                                               version.duration_seconds));
            languages.insert(s.lang);
        }
        if (dropped) {
            fs::remove(staged.subtitle_file(*dropped));
            fs::remove(staged.subtitle_playlist(*dropped));
            languages.erase(*dropped);
        }
        version.subtitle_languages.assign(languages.begin(), languages.end());
        media::write_version(staged, version);
    } catch (const std::exception& e) {
        publisher.abandon(film_id, job);
        fail(e);
        throw;
    }
    media::publish_result published;
    try {
        // The superseded versions go, whoever made them: a removed track must not stay downloadable.
        published = catalog::publish_job_version(db, publisher, film_id, job, repackager,
                                                 [&] { app.refresh_availability(); });
        if (!published.published) throw std::runtime_error("the job was cancelled");
    } catch (const std::exception& e) {
        fail(e);
        throw;
    }
    for (const auto version : published.pruned) log_event("old_version_removed", {{"film", film_id}, {"version", version}});
    if (published.prune_error) log_event("error", {{"what", *published.prune_error}});
    log_event("subtitles_repackaged", {{"film", film_id}, {"version", job}});
    return job;
}

}  // namespace festival::server
