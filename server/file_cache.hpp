#pragma once
// Open file descriptors for static and media files, kept between requests so a hot segment costs
// no open/stat, and served with sendfile. Paths resolve beneath a root folder only: no "..", no
// symlinks, no hidden entries (".tmp-…" output still being written).
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "server/http_message.hpp"

namespace festival::server {

struct cached_file {
    std::shared_ptr<const open_file> file;
    std::uint64_t size = 0;
    std::int64_t modified_unix = 0;
    std::string etag;           // strong: size, mtime and inode
    std::string last_modified;  // IMF-fixdate
    std::string content_type;
    // "Content-Type", "ETag", "Last-Modified" and "Accept-Ranges" as header lines, formatted once.
    std::shared_ptr<const std::string> header_lines;
    // Small files (playlists, subtitles) are also kept in memory and answered with one write.
    std::shared_ptr<const std::string> contents;
};

class file_cache {
public:
    // `revalidate_after`: how long an entry is trusted before the path is stat'ed again.
    explicit file_cache(std::size_t max_entries = 4096,
                        std::chrono::milliseconds revalidate_after = std::chrono::milliseconds(1000));

    // The file at `relative_path` beneath `root`; nullopt when absent, not a regular file, or the path
    // is not allowed. Thread-safe and cheap on a hit: the entry is shared, not copied.
    std::shared_ptr<const cached_file> open(const std::string& root, const std::string& relative_path);

private:
    struct entry {
        std::shared_ptr<const cached_file> info;
        std::uint64_t inode = 0;
        std::chrono::steady_clock::time_point checked;
    };
    std::size_t max_entries_;
    std::chrono::milliseconds revalidate_after_;
    std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
};

// A relative path is acceptable when every segment is a plain, visible name.
bool is_safe_relative_path(const std::string& relative_path);

std::string content_type_for(const std::string& path);
std::string http_date(std::int64_t unix_seconds);

// GET/HEAD answer for a file with validators and ranges: 200, 206, 304 or 416.
http_response file_response(const http_request& request, const cached_file& file, std::string_view cache_control);

}  // namespace festival::server
