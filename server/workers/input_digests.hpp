#pragma once
// The SHA-256 of a job's input files (masters, subtitles, audio tracks), told to workers on other
// hosts with each claim. A master is read once per node, not at every claim: digests are kept by
// path, size, modification time and inode, so a replaced file is read again.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace festival::server {

class input_digests {
public:
    struct digest {
        std::uint64_t bytes = 0;
        std::string sha256;
    };
    // Throws std::system_error (ENOENT for a missing file) when the file cannot be read.
    digest of(const std::filesystem::path& path);

private:
    using key = std::tuple<std::string, std::uint64_t, std::int64_t, std::uint64_t>;  // path, size, mtime ns, inode
    static constexpr std::size_t max_entries = 1024;
    std::mutex mutex_;
    std::map<key, std::string> digests_;
};

}  // namespace festival::server
