#include "server/workers/input_digests.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

#include "server/workers/sha256.hpp"

namespace festival::server {

input_digests::digest input_digests::of(const std::filesystem::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) throw std::system_error(errno, std::generic_category(), "stat " + path.string());
    if (!S_ISREG(info.st_mode)) throw std::system_error(ENOENT, std::generic_category(), path.string() + " is not a file");
    const key k{path.string(), static_cast<std::uint64_t>(info.st_size),
                static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
                static_cast<std::uint64_t>(info.st_ino)};
    {
        std::lock_guard lock(mutex_);
        if (const auto found = digests_.find(k); found != digests_.end())
            return {static_cast<std::uint64_t>(info.st_size), found->second};
    }
    // Read outside the lock: a feature film takes seconds, other claims need not wait for it.
    auto sha256 = sha256_of_file(path);
    std::lock_guard lock(mutex_);
    if (digests_.size() >= max_entries) digests_.clear();
    digests_[k] = sha256;
    return {static_cast<std::uint64_t>(info.st_size), std::move(sha256)};
}

}  // namespace festival::server
