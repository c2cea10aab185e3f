#pragma once
// Where upload bytes live on disk (data/uploads/<id>.part) and who is writing them: one request at a
// time per upload, so two PATCHes can never interleave bytes — in this process (a set) and across the
// server nodes sharing the data folder (an flock on the part file). Also the free-disk check.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "transcoder/media/media_layout.hpp"

namespace festival::server {

class upload_store;

// Held by the one request writing (or deleting) an upload; released when destroyed.
class upload_lock {
public:
    upload_lock(upload_store& store, std::string id, int fd = -1) : store_(&store), id_(std::move(id)), fd_(fd) {}
    upload_lock(upload_lock&& other) noexcept
        : store_(std::exchange(other.store_, nullptr)), id_(std::move(other.id_)), fd_(std::exchange(other.fd_, -1)) {}
    upload_lock& operator=(upload_lock&&) = delete;
    upload_lock(const upload_lock&) = delete;
    upload_lock& operator=(const upload_lock&) = delete;
    ~upload_lock();

private:
    upload_store* store_;
    std::string id_;
    int fd_;  // the part file, flocked; closing it releases the lock
};

class upload_store {
public:
    // `data_dir` is the festival's data folder: uploads go to data/uploads, accepted masters to data/sources.
    explicit upload_store(const std::string& data_dir);

    std::filesystem::path part_path(const std::string& id) const { return layout_.upload_part(id); }
    std::filesystem::path uploads_dir() const { return layout_.uploads_dir(); }
    // data/sources/<film>/: accepted masters and subtitles, kept for re-transcoding.
    std::filesystem::path film_sources_dir(std::int64_t film_id) const { return layout_.film_sources(film_id); }

    // nullopt when another request holds the upload (the caller answers 423 Locked).
    std::optional<upload_lock> try_lock(const std::string& id);
    // Bytes the uploads folder's file system can still take, keeping a reserve for the catalog and media.
    // Uploads in progress are not subtracted here: the catalog knows what they still need.
    std::uint64_t usable_bytes() const;
    // Tests only (the test-disk-free-bytes setting), before the server starts: a free-space figure used
    // instead of the file system's.
    void use_test_free_bytes(std::uint64_t bytes) { test_free_bytes_ = bytes; }

    static constexpr std::uint64_t disk_reserve = 256ULL * 1024 * 1024;

private:
    friend class upload_lock;
    void unlock(const std::string& id);

    media::media_layout layout_;
    std::optional<std::uint64_t> test_free_bytes_;  // see use_test_free_bytes
    std::mutex mutex_;
    std::set<std::string> busy_;
};

}  // namespace festival::server
