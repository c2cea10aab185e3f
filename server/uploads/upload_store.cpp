#include "server/uploads/upload_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <string>

namespace festival::server {

upload_lock::~upload_lock() {
    if (fd_ >= 0) ::close(fd_);
    if (store_) store_->unlock(id_);
}

upload_store::upload_store(const std::string& data_dir)
    : layout_(data_dir) {
    std::error_code ignored;
    std::filesystem::create_directories(layout_.uploads_dir(), ignored);
    std::filesystem::create_directories(layout_.sources_dir(), ignored);
}

std::optional<upload_lock> upload_store::try_lock(const std::string& id) {
    std::lock_guard guard(mutex_);
    if (!busy_.insert(id).second) return std::nullopt;
    // Another node on the shared folder: an flock on the part file (over NFS, a lock its server holds).
    // No file yet: a creation, which no other node can name; every created upload has its file.
    const auto path = part_path(id);
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0 && (errno == EACCES || errno == EROFS)) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // flock needs no write
    if (fd < 0 && errno != ENOENT) {
        const int error = errno;
        busy_.erase(id);
        throw std::runtime_error("cannot open upload " + path.string() + ": " + std::strerror(error));
    }
    int rc = 0;
    if (fd >= 0) {
        do {
            rc = ::flock(fd, LOCK_EX | LOCK_NB);
        } while (rc != 0 && errno == EINTR);
    }
    if (rc != 0) {
        const int error = errno;
        ::close(fd);
        busy_.erase(id);
        if (error == EWOULDBLOCK) return std::nullopt;
        throw std::runtime_error("cannot lock upload " + path.string() + ": " + std::strerror(error));
    }
    return std::optional<upload_lock>(std::in_place, *this, id, fd);
}

void upload_store::unlock(const std::string& id) {
    std::lock_guard guard(mutex_);
    busy_.erase(id);
}

std::uint64_t upload_store::usable_bytes() const {
    std::uint64_t free = 0;
    if (test_free_bytes_) {
        free = *test_free_bytes_;
    } else {
        struct statvfs info {};
        if (::statvfs(layout_.uploads_dir().c_str(), &info) != 0) return 0;
        free = static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
    }
    return free > disk_reserve ? free - disk_reserve : 0;
}

}  // namespace festival::server
