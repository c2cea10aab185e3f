#pragma once
// Publishing one HLS version of a film, the same way whoever made it (the transcoder worker after a
// transcode, the server after new subtitles):
//   stage   media/<film>/.tmp-<job>/ emptied (an earlier attempt's leftovers, a stale v<job> discarded)
//   write   the caller fills the staging folder (manifest and master with write_version)
//   sync    every file and folder of it fsync'd
//   rename  .tmp-<job> -> v<job>, the film's folder fsync'd: readers see all of it or none
//   record  the caller's catalog update; false or an exception takes the version back off the disk
//   prune   v<n> folders the catalog no longer names are discarded
// The policy is here, the file-system operations behind version_store, so that tests run it without
// a disk (as ZLMediaKit's HlsMaker separates playlist policy from file I/O).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "transcoder/media/media_layout.hpp"

namespace festival::media {

// The file-system operations publishing needs. disk_version_store is the real one.
class version_store {
public:
    virtual ~version_store() = default;
    virtual bool exists(const std::filesystem::path& path) = 0;
    virtual void create_directories(const std::filesystem::path& dir) = 0;
    // Removes a folder and its content; a missing one is not an error. Never throws.
    virtual void remove_all(const std::filesystem::path& dir) = 0;
    // Removes a folder so that a crash midway leaves a name a later sweep finishes. Never throws;
    // false when something is left.
    virtual bool discard(const std::filesystem::path& dir) = 0;
    virtual void sync_tree(const std::filesystem::path& dir) = 0;
    virtual void sync_directory(const std::filesystem::path& dir) = 0;
    virtual void rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
    // The names of the entries of `dir` (none when it cannot be read).
    virtual std::vector<std::string> list(const std::filesystem::path& dir) = 0;
};

class disk_version_store final : public version_store {
public:
    bool exists(const std::filesystem::path& path) override;
    void create_directories(const std::filesystem::path& dir) override;
    void remove_all(const std::filesystem::path& dir) override;
    bool discard(const std::filesystem::path& dir) override;
    void sync_tree(const std::filesystem::path& dir) override;
    void sync_directory(const std::filesystem::path& dir) override;
    void rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
    std::vector<std::string> list(const std::filesystem::path& dir) override;
};

// Of the folder names `names`, the versions not in `keep`, ascending.
std::vector<std::int64_t> superseded_versions(const std::vector<std::string>& names, const std::set<std::int64_t>& keep);

struct staged_version {
    version_layout folder;     // media/<film>/.tmp-<job>/, empty
    bool stale_removed = false;  // a v<job> folder was there already and has been discarded
};

struct publish_result {
    bool published = false;              // false: `record` said no (the job was cancelled or taken over)
    std::vector<std::int64_t> pruned;    // superseded versions removed after publishing
    std::optional<std::string> prune_error;  // the versions to keep could not be asked; nothing pruned
};

class version_publisher {
public:
    version_publisher(media_layout layout, version_store& store) : layout_(std::move(layout)), store_(store) {}

    // Empties the staging folder of `job` and creates it. A v<job> folder already there was not
    // written by this job's successful run (a claimed job has no finished output): it is discarded,
    // never published.
    staged_version stage(std::int64_t film, std::int64_t job);
    // Removes the staging folder (a failed or abandoned write).
    void abandon(std::int64_t film, std::int64_t job);
    // Syncs, renames to v<job>, records, prunes (see above). `record` returns false when the catalog
    // refuses the version; `keep` names the versions the catalog still needs. Throws what a step
    // throws, after removing what it had put on disk.
    publish_result publish(std::int64_t film, std::int64_t job, const std::function<bool()>& record,
                           const std::function<std::set<std::int64_t>()>& keep);

private:
    media_layout layout_;
    version_store& store_;
};

}  // namespace festival::media
