#include "server/http/file_cache.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>

#include "server/http/http_date.hpp"

namespace festival::server {
namespace {

// Playlists and subtitle files are this small; segments are megabytes and always go by sendfile.
constexpr std::size_t small_file_bytes = 16 * 1024;

// openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: the kernel refuses any escape from root.
int open_beneath(const std::string& root, const std::string& relative_path) {
    const int root_fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) return -1;
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, relative_path.c_str(), &how, sizeof how));
    if (fd < 0 && errno == ENOSYS) {
        // Older kernels: the path was already checked segment by segment; O_NOFOLLOW guards the leaf.
        fd = ::openat(root_fd, relative_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    ::close(root_fd);
    return fd;
}

std::string make_etag(const struct stat& st) {
    char buffer[80];
    std::snprintf(buffer, sizeof buffer, "\"%llx-%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                  static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ULL +
                      static_cast<unsigned long long>(st.st_mtim.tv_nsec),
                  static_cast<unsigned long long>(st.st_ino));
    return buffer;
}

}  // namespace

std::string content_etag(std::string_view bytes) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "\"p%016llx\"", static_cast<unsigned long long>(hash));
    return buffer;
}

bool etag_listed(std::string_view header_value, const std::string& etag) {
    if (header_value.find('*') != std::string_view::npos) return true;
    std::size_t start = 0;
    while (start < header_value.size()) {
        auto comma = header_value.find(',', start);
        if (comma == std::string_view::npos) comma = header_value.size();
        auto item = header_value.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.starts_with("W/")) item.remove_prefix(2);  // weak comparison for If-None-Match
        if (item == etag) return true;
        start = comma + 1;
    }
    return false;
}

namespace {

struct byte_range {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

enum class range_verdict { whole, partial, unsatisfiable };

// One "bytes=" range (RFC 9110 §14.1.2). Several ranges or a malformed header: send the whole file.
range_verdict parse_range(std::string_view value, std::uint64_t size, byte_range& out) {
    if (!value.starts_with("bytes=")) return range_verdict::whole;
    value.remove_prefix(6);
    if (value.find(',') != std::string_view::npos) return range_verdict::whole;
    const auto dash = value.find('-');
    if (dash == std::string_view::npos) return range_verdict::whole;
    auto number = [](std::string_view digits, std::uint64_t& n) {
        if (digits.empty() || digits.size() > 19) return false;
        n = 0;
        for (char c : digits) {
            if (c < '0' || c > '9') return false;
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        return true;
    };
    const auto first_text = value.substr(0, dash), last_text = value.substr(dash + 1);
    if (first_text.empty()) {  // suffix: the last N bytes
        std::uint64_t suffix = 0;
        if (!number(last_text, suffix)) return range_verdict::whole;
        if (suffix == 0 || size == 0) return range_verdict::unsatisfiable;
        out.first = suffix >= size ? 0 : size - suffix;
        out.last = size - 1;
        return range_verdict::partial;
    }
    std::uint64_t first = 0, last = 0;
    if (!number(first_text, first)) return range_verdict::whole;
    if (last_text.empty()) last = size ? size - 1 : 0;
    else if (!number(last_text, last) || last < first) return range_verdict::whole;
    if (first >= size) return range_verdict::unsatisfiable;
    out.first = first;
    out.last = std::min(last, size - 1);
    return range_verdict::partial;
}

}  // namespace

bool is_safe_relative_path(std::string_view relative_path) {
    if (relative_path.empty() || relative_path.size() > 1024) return false;
    std::size_t start = 0;
    while (start <= relative_path.size()) {
        auto slash = relative_path.find('/', start);
        if (slash == std::string_view::npos) slash = relative_path.size();
        const auto segment = relative_path.substr(start, slash - start);
        if (segment.empty() || segment.front() == '.' || segment.find('\0') != std::string_view::npos ||
            segment.find('\\') != std::string_view::npos)
            return false;
        start = slash + 1;
    }
    return true;
}

std::string content_type_for(std::string_view path) {
    static const std::pair<const char*, const char*> types[] = {
        {".m3u8", "application/vnd.apple.mpegurl"},
        {".m4s", "video/iso.segment"},
        {".mp4", "video/mp4"},
        {".ts", "video/mp2t"},
        {".vtt", "text/vtt; charset=utf-8"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    for (const auto& [extension, type] : types)
        if (path.ends_with(extension)) return type;
    return "application/octet-stream";
}

namespace {

std::atomic<std::uint64_t> next_cache_id{1};

// "<cache id><root>\0<relative path>", written over `key` (whose storage is reused).
void make_key(std::string& key, std::uint64_t cache_id, std::string_view root, std::string_view relative_path) {
    key.assign(reinterpret_cast<const char*>(&cache_id), sizeof cache_id);
    key.append(root);
    key += '\0';
    key.append(relative_path);
}

// Each thread's own copies of the entries it served lately. A hit there takes no lock, and the
// reference counts it touches are the thread's own: with two I/O threads answering for the same hot
// segment, the shared entry's lock and counts bouncing between the cores cost more than the lookup.
struct thread_copy {
    std::shared_ptr<const cached_file> info;    // this thread's copy
    std::shared_ptr<const cached_file> source;  // the shared entry it copies
    std::chrono::steady_clock::time_point checked;  // the shared entry's last check
};
thread_local std::unordered_map<std::string, thread_copy> thread_copies;
thread_local std::string thread_key;

std::shared_ptr<const cached_file> copy_for_this_thread(const cached_file& shared) {
    auto copy = std::make_shared<cached_file>(shared);
    if (shared.header_lines) copy->header_lines = std::make_shared<const std::string>(*shared.header_lines);
    if (shared.not_modified_lines)
        copy->not_modified_lines = std::make_shared<const std::string>(*shared.not_modified_lines);
    return copy;
}

}  // namespace

file_cache::file_cache(std::size_t max_entries, std::chrono::milliseconds revalidate_after, clock_function now)
    : id_(next_cache_id++), max_entries_(max_entries), revalidate_after_(revalidate_after), now_(now) {}

std::shared_ptr<const cached_file> file_cache::open(std::string_view root, std::string_view relative_path) {
    if (!is_safe_relative_path(relative_path)) return nullptr;
    auto& key = thread_key;
    make_key(key, id_, root, relative_path);
    const auto now = now_();
    auto mine = thread_copies.find(key);
    if (mine != thread_copies.end() && now - mine->second.checked < revalidate_after_) return mine->second.info;

    auto shared = shared_entry(key, root, relative_path);
    if (!shared.info) {
        if (mine != thread_copies.end()) thread_copies.erase(mine);
        return nullptr;
    }
    if (mine == thread_copies.end()) {
        if (thread_copies.size() >= max_entries_) thread_copies.clear();  // rare, as for the shared map
        mine = thread_copies.emplace(key, thread_copy{}).first;
    }
    auto& copy = mine->second;
    if (copy.source != shared.info) {
        copy.info = copy_for_this_thread(*shared.info);
        copy.source = shared.info;
    }
    copy.checked = shared.checked;
    return copy.info;
}

file_cache::entry file_cache::shared_entry(const std::string& key, std::string_view root_view,
                                           std::string_view relative_view) {
    const auto now = now_();
    std::uint64_t known_inode = 0;
    {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(key); it != entries_.end()) {
            if (now - it->second.checked < revalidate_after_) return it->second;
            known_inode = it->second.inode;
        }
    }
    const std::string root(root_view), relative_path(relative_view);
    const int fd = open_beneath(root, relative_path);
    if (fd < 0) {
        std::lock_guard lock(mutex_);
        entries_.erase(key);
        return {};
    }
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        std::lock_guard lock(mutex_);
        entries_.erase(key);
        return {};
    }
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end() && known_inode == static_cast<std::uint64_t>(st.st_ino) &&
                                      it->second.info->etag == make_etag(st)) {
        ::close(fd);  // unchanged: keep the descriptor already cached
        it->second.checked = now;
        return it->second;
    }
    if (entries_.size() >= max_entries_) entries_.clear();  // rare; cheaper than tracking recency
    auto info = std::make_shared<cached_file>();
    info->file = std::make_shared<const open_file>(fd, static_cast<std::uint64_t>(st.st_size));
    info->size = static_cast<std::uint64_t>(st.st_size);
    info->modified_unix = st.st_mtim.tv_sec;
    info->etag = make_etag(st);
    info->last_modified = http_date(st.st_mtim.tv_sec);
    info->content_type = content_type_for(relative_path);
    info->header_lines = std::make_shared<const std::string>(
        "Content-Type: " + info->content_type + "\r\nETag: " + info->etag + "\r\nLast-Modified: " +
        info->last_modified + "\r\nAccept-Ranges: bytes\r\n");
    info->not_modified_lines = std::make_shared<const std::string>("ETag: " + info->etag + "\r\n");
    if (st.st_size <= static_cast<off_t>(small_file_bytes)) {
        auto text = std::make_shared<std::string>(static_cast<std::size_t>(st.st_size), '\0');
        if (::pread(fd, text->data(), text->size(), 0) == static_cast<ssize_t>(text->size()))
            info->contents = std::move(text);
    }
    entry e;
    e.info = std::move(info);
    e.inode = static_cast<std::uint64_t>(st.st_ino);
    e.checked = now;
    auto [it, inserted] = entries_.insert_or_assign(key, std::move(e));
    return it->second;
}

http_response file_response(const http_request& request, const cached_file& file, static_text policy_lines) {
    http_response response;
    response.static_header_lines = policy_lines;

    bool current = false;
    if (const auto inm = request.header("if-none-match")) {
        current = etag_listed(*inm, file.etag);
    } else if (const auto ims = request.header("if-modified-since")) {
        const auto since = parse_http_date(*ims);
        current = since && file.modified_unix <= *since;
    }
    if (current) {
        // The cache's copy is current: the validator and the policy, no representation metadata.
        response.status = 304;
        response.shared_header_lines = file.not_modified_lines;
        return response;
    }
    response.shared_header_lines = file.header_lines;  // type and validators, formatted once per file

    byte_range range;
    auto verdict = range_verdict::whole;
    if (const auto range_header = request.header("range")) {
        const auto if_range = request.header("if-range");
        if (!if_range || *if_range == file.etag) verdict = parse_range(*range_header, file.size, range);
    }
    if (verdict == range_verdict::unsatisfiable) {
        response = error_response(416, "range_not_satisfiable", "the requested range is outside the file");
        response.set_header("Content-Range", "bytes */" + std::to_string(file.size));
        return response;
    }
    if (verdict == range_verdict::partial) {
        response.status = 206;
        response.set_header("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                 std::to_string(range.last) + "/" + std::to_string(file.size));
        if (file.contents)
            response.body = file.contents->substr(range.first, range.last - range.first + 1);
        else
            response.file = file_range{file.file, range.first, range.last - range.first + 1};
        return response;
    }
    if (file.contents)
        response.body = *file.contents;
    else
        response.file = file_range{file.file, 0, file.size};
    return response;
}

}  // namespace festival::server
