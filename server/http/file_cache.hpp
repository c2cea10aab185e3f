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
#include <string_view>
#include <unordered_map>

#include "server/http/http_message.hpp"

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
    // The "ETag" line alone, for 304s: they carry no representation metadata (RFC 9110 §15.4.5).
    std::shared_ptr<const std::string> not_modified_lines;
    // Small files (playlists, subtitles) are also kept in memory and answered with one write.
    std::shared_ptr<const std::string> contents;
};

class file_cache {
public:
    // Where the cache reads the time: a plain function, called on every hit; tests pass their own.
    using clock_function = std::chrono::steady_clock::time_point (*)();

    // `revalidate_after`: how long an entry is trusted before the path is stat'ed again.
    explicit file_cache(std::size_t max_entries = 4096,
                        std::chrono::milliseconds revalidate_after = std::chrono::milliseconds(1000),
                        clock_function now = &std::chrono::steady_clock::now);

    // The file at `relative_path` beneath `root`; nullptr when absent, not a regular file, or the path
    // is not allowed. Thread-safe; a hit takes no lock and allocates nothing.
    std::shared_ptr<const cached_file> open(std::string_view root, std::string_view relative_path);

private:
    struct entry {
        std::shared_ptr<const cached_file> info;
        std::uint64_t inode = 0;
        std::chrono::steady_clock::time_point checked;
    };
    // The shared entry for `key`, stat'ed again when older than revalidate_after_.
    entry shared_entry(const std::string& key, std::string_view root, std::string_view relative_path);

    const std::uint64_t id_;  // tells this cache's entries apart in the threads' own copies
    std::size_t max_entries_;
    std::chrono::milliseconds revalidate_after_;
    clock_function now_;
    std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
};

// A relative path is acceptable when every segment is a plain, visible name.
bool is_safe_relative_path(std::string_view relative_path);

std::string content_type_for(std::string_view path);

// Whether an If-None-Match value lists `etag` ("*" lists every one; weak comparison).
bool etag_listed(std::string_view header_value, const std::string& etag);

// A strong validator over an answer's bytes (FNV-1a, 64 bits), for answers generated from data (pages,
// feeds, the sitemap) rather than read from one file.
std::string content_etag(std::string_view bytes);

// GET/HEAD answer for a file with validators and ranges: 200, 206, 304 or 416. `policy_lines` are the
// route's header lines for it, at least its Cache-Control ("Cache-Control: no-cache\r\n").
http_response file_response(const http_request& request, const cached_file& file, static_text policy_lines);

}  // namespace festival::server
