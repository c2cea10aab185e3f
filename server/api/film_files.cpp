#include "server/api/film_files.hpp"

#include <filesystem>

#include "catalog/films.hpp"
#include "transcoder/media/media_folders.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

namespace fs = std::filesystem;

void remove_film_files(festival_app& app, std::int64_t film_id, const std::vector<std::string>& upload_ids) {
    const auto layout = app.settings->layout();
    bool complete = media::discard_folder(layout.film_media(film_id));
    complete = media::discard_folder(layout.film_sources(film_id)) && complete;
    for (const auto& id : upload_ids) {
        // A request still writing it fails to record its next offset; the cleaner takes the file later.
        if (const auto lock = app.uploads.try_lock(id)) {
            std::error_code ec;
            fs::remove(app.uploads.part_path(id), ec);
            complete = complete && !ec;
        }
    }
    media::remove_discarded_folders(layout.media_dir());
    media::remove_discarded_folders(layout.sources_dir());
    log_event("film_files_removed", {{"film", film_id}, {"complete", complete}});
}

void prune_film_versions(festival_app& app, std::int64_t film_id) {
    const auto film_dir = app.settings->layout().film_media(film_id);
    for (const auto version : media::prune_versions(film_dir, catalog::versions_to_keep(app.catalog.local(), film_id)))
        log_event("old_version_removed", {{"film", film_id}, {"version", version}});
}

}  // namespace festival::server
