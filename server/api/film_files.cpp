#include "server/api/film_files.hpp"

#include <cstdio>
#include <filesystem>

#include "catalog/films.hpp"
#include "transcoder/media/media_folders.hpp"

namespace festival::server {

namespace fs = std::filesystem;

void remove_film_files(festival_app& app, std::int64_t film_id, const std::vector<std::string>& upload_ids) {
    const fs::path media = app.settings->media_dir();
    const fs::path sources = app.uploads.film_sources_dir(film_id).parent_path();
    bool complete = transcoder::discard_folder(media / std::to_string(film_id));
    complete = transcoder::discard_folder(sources / std::to_string(film_id)) && complete;
    for (const auto& id : upload_ids) {
        // A request still writing it fails to record its next offset; the cleaner takes the file later.
        if (const auto lock = app.uploads.try_lock(id)) {
            std::error_code ec;
            fs::remove(app.uploads.part_path(id), ec);
            complete = complete && !ec;
        }
    }
    transcoder::remove_discarded_folders(media);
    transcoder::remove_discarded_folders(sources);
    std::fprintf(stderr, "{\"event\":\"film_files_removed\",\"film\":%lld,\"complete\":%s}\n",
                 static_cast<long long>(film_id), complete ? "true" : "false");
}

void prune_film_versions(festival_app& app, std::int64_t film_id) {
    const auto film_dir = fs::path(app.settings->media_dir()) / std::to_string(film_id);
    for (const auto version : transcoder::prune_versions(film_dir, catalog::versions_to_keep(app.catalog.local(), film_id)))
        std::fprintf(stderr, "{\"event\":\"old_version_removed\",\"film\":%lld,\"version\":%lld}\n",
                     static_cast<long long>(film_id), static_cast<long long>(version));
}

}  // namespace festival::server
