#include "transcoder/media/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace festival::media {
namespace {

namespace fs = std::filesystem;

// Closes the descriptor on every path out.
class file_descriptor {
public:
    explicit file_descriptor(int fd) : fd_(fd) {}
    file_descriptor(const file_descriptor&) = delete;
    file_descriptor& operator=(const file_descriptor&) = delete;
    ~file_descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

[[noreturn]] void fail(int error, const std::string& what) {
    throw std::system_error(error, std::generic_category(), what);
}

// Writes all of `bytes`; the errno of the first failure, 0 when all went out.
int write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return ENOSPC;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return 0;
}

void sync_path(const fs::path& path, int flags) {
    const file_descriptor fd(::open(path.c_str(), flags | O_CLOEXEC));
    if (fd.get() < 0) fail(errno, "cannot open " + path.string());
    if (::fsync(fd.get()) != 0) fail(errno, "cannot sync " + path.string());
}

}  // namespace

void write_whole_file(const std::string& path, std::string_view text) {
    // POSIX calls rather than a stream: the errno reaches the caller (a full disk is a 507 to the server).
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail(errno, "cannot write " + path);
    int error = write_all(fd, text);
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error != 0) fail(error, "cannot write " + path);
}

std::string read_text_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file_durably(const fs::path& path, std::string_view bytes) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    const auto temporary = path.string() + ".tmp";
    int error = 0;
    {
        const file_descriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
        if (fd.get() < 0) fail(errno, "cannot write " + temporary);
        error = write_all(fd.get(), bytes);
        if (error == 0 && ::fsync(fd.get()) != 0) error = errno;
    }
    if (error == 0 && ::rename(temporary.c_str(), path.c_str()) != 0) error = errno;
    if (error != 0) {
        ::unlink(temporary.c_str());
        fail(error, "cannot write " + path.string());
    }
    sync_directory(path.has_parent_path() ? path.parent_path() : fs::path("."));
}

void sync_directory(const fs::path& dir) {
    const file_descriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() >= 0) ::fsync(fd.get());
}

void sync_tree(const fs::path& dir) {
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_directory()) sync_path(entry.path(), O_RDONLY | O_DIRECTORY);
        else if (entry.is_regular_file()) sync_path(entry.path(), O_RDONLY);
    }
    sync_path(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace festival::media
