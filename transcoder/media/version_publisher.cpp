#include "transcoder/media/version_publisher.hpp"

#include <algorithm>

#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/media_folders.hpp"

namespace festival::media {

namespace fs = std::filesystem;

bool disk_version_store::exists(const fs::path& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

void disk_version_store::create_directories(const fs::path& dir) { fs::create_directories(dir); }

void disk_version_store::remove_all(const fs::path& dir) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
}

bool disk_version_store::discard(const fs::path& dir) { return discard_folder(dir); }

void disk_version_store::sync_tree(const fs::path& dir) { media::sync_tree(dir); }

void disk_version_store::sync_directory(const fs::path& dir) { media::sync_directory(dir); }

void disk_version_store::rename(const fs::path& from, const fs::path& to) { fs::rename(from, to); }

std::vector<std::string> disk_version_store::list(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (auto entry = fs::directory_iterator(dir, ec); !ec && entry != fs::directory_iterator(); entry.increment(ec))
        names.push_back(entry->path().filename().string());
    return names;
}

std::vector<std::int64_t> superseded_versions(const std::vector<std::string>& names, const std::set<std::int64_t>& keep) {
    std::vector<std::int64_t> superseded;
    for (const auto& name : names)
        if (const auto version = version_of_folder(name); version && !keep.contains(*version)) superseded.push_back(*version);
    std::sort(superseded.begin(), superseded.end());
    return superseded;
}

staged_version version_publisher::stage(std::int64_t film, std::int64_t job) {
    staged_version staged{layout_.staging(film, job)};
    store_.remove_all(staged.folder.root());  // an earlier attempt's, whose worker died
    const auto final_dir = layout_.version_dir(film, job);
    if (store_.exists(final_dir)) {
        store_.discard(final_dir);
        staged.stale_removed = true;
    }
    store_.create_directories(staged.folder.root());
    return staged;
}

void version_publisher::abandon(std::int64_t film, std::int64_t job) { store_.remove_all(layout_.staging_dir(film, job)); }

publish_result version_publisher::publish(std::int64_t film, std::int64_t job, const std::function<bool()>& record,
                                          const std::function<std::set<std::int64_t>()>& keep) {
    const auto staging = layout_.staging_dir(film, job);
    const auto final_dir = layout_.version_dir(film, job);
    try {
        store_.sync_tree(staging);
        store_.rename(staging, final_dir);
    } catch (...) {
        store_.remove_all(staging);
        throw;
    }
    store_.sync_directory(layout_.film_media(film));
    // On disk but not yet named by the catalog: nobody serves it until `record` succeeds, and it
    // goes again if that fails (the catalog is the truth, the files follow it).
    bool recorded = false;
    try {
        recorded = record();
    } catch (...) {
        store_.discard(final_dir);
        throw;
    }
    publish_result result;
    if (!recorded) {
        store_.discard(final_dir);
        return result;
    }
    result.published = true;
    std::set<std::int64_t> kept;
    try {
        kept = keep();
    } catch (const std::exception& e) {
        // Published all the same: the next publication or the server's prune removes them.
        result.prune_error = e.what();
        return result;
    }
    kept.insert(job);
    for (const auto version : superseded_versions(store_.list(layout_.film_media(film)), kept))
        if (store_.discard(layout_.version_dir(film, version))) result.pruned.push_back(version);
    return result;
}

}  // namespace festival::media
