#include "server/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace festival::server {

std::optional<data_dir_lock> data_dir_lock::try_acquire(const std::filesystem::path& data_dir, mode how) {
    const auto path = file(data_dir);
    // O_CLOEXEC: the transcoders the server starts must not hold the festival's lock after it ends.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && (errno == EROFS || errno == EACCES)) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // flock needs no write
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
    int rc;
    do {
        rc = ::flock(fd, (how == mode::shared ? LOCK_SH : LOCK_EX) | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0) return data_dir_lock(fd);
    const int error = errno;
    ::close(fd);
    if (error == EWOULDBLOCK) return std::nullopt;
    throw std::system_error(error, std::generic_category(), "cannot lock " + path.string());
}

data_dir_lock::data_dir_lock(data_dir_lock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

data_dir_lock::~data_dir_lock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

}  // namespace festival::server
