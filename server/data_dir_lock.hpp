#pragma once
// An advisory lock (flock) on <data-dir>/festival.lock. Every `festival serve` holds it shared for its
// whole life, so a successor taking over the listening socket holds it beside its predecessor;
// `festival restore` needs it exclusive, so a catalog is never swapped under a running festival.
// The kernel drops it when its process ends, however it ends: no stale lock after a crash.
#include <filesystem>
#include <optional>

#include "transcoder/media/media_layout.hpp"

namespace festival::server {

class data_dir_lock {
public:
    enum class mode { shared, exclusive };

    // The lock, or nullopt when another process holds it the other way (never waits). Throws
    // std::system_error when the lock file cannot be opened.
    static std::optional<data_dir_lock> try_acquire(const std::filesystem::path& data_dir, mode how);

    data_dir_lock(data_dir_lock&& other) noexcept;
    data_dir_lock& operator=(data_dir_lock&&) = delete;
    data_dir_lock(const data_dir_lock&) = delete;
    data_dir_lock& operator=(const data_dir_lock&) = delete;
    ~data_dir_lock();

    static std::filesystem::path file(const std::filesystem::path& data_dir) { return media::media_layout(data_dir).lock_file(); }

private:
    explicit data_dir_lock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace festival::server
