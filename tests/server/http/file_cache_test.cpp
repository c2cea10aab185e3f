#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "server/http/file_cache.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::server;

namespace {

http_request get(const std::string& range = "") {
    http_request r;
    r.method = "GET";
    if (!range.empty()) r.headers.emplace_back("range", range);
    return r;
}

// A folder holding one file, and the cache's entry for it.
struct one_file {
    festival::testing::temp_dir dir;
    file_cache cache;
    std::shared_ptr<const cached_file> file;
    one_file(const std::string& name, const std::string& contents) {
        std::ofstream(dir.path() / name) << contents;
        file = cache.open(dir.path().string(), name);
        REQUIRE(file);
    }
};

}  // namespace

TEST_CASE("only plain visible relative paths are allowed") {
    CHECK(is_safe_relative_path("3/v7/720p/seg_001.m4s"));
    CHECK_FALSE(is_safe_relative_path("../catalog.db"));
    CHECK_FALSE(is_safe_relative_path("3/../../etc/passwd"));
    CHECK_FALSE(is_safe_relative_path("3/.tmp-9/master.m3u8"));
    CHECK_FALSE(is_safe_relative_path("/etc/passwd"));
    CHECK_FALSE(is_safe_relative_path("a//b"));
    CHECK_FALSE(is_safe_relative_path(std::string("a\0b", 3)));
    CHECK_FALSE(is_safe_relative_path(""));
}

TEST_CASE("a symlink beneath the root is not followed out of it") {
    festival::testing::temp_dir dir;
    std::filesystem::create_directories(dir.path() / "root");
    std::ofstream(dir.path() / "secret.txt") << "secret";
    std::filesystem::create_symlink(dir.path() / "secret.txt", dir.path() / "root" / "link.txt");
    file_cache cache;
    CHECK_FALSE(cache.open((dir.path() / "root").string(), "link.txt"));
}

TEST_CASE("a large file goes out as a byte range of its descriptor, whole or partial") {
    const one_file f("big.m4s", std::string(100000, 'b'));
    const auto& file = f.file;
    CHECK_FALSE(file->contents);
    auto whole = file_response(get(), *file, "Cache-Control: public\r\n");
    REQUIRE(whole.file);
    CHECK(whole.file->offset == 0);
    CHECK(whole.file->length == 100000);
    CHECK(whole.body.empty());
    auto suffix = file_response(get("bytes=-10"), *file, "Cache-Control: public\r\n");
    CHECK(suffix.status == 206);
    REQUIRE(suffix.file);
    CHECK(suffix.file->offset == 99990);
    CHECK(suffix.file->length == 10);
}

TEST_CASE("ranges: first byte, suffix, open end, beyond the end, and validators") {
    const one_file f("f.m4s", "0123456789");
    const auto& file = f.file;
    CHECK(file->content_type == "video/iso.segment");

    // A small file is answered from memory.
    auto whole = file_response(get(), *file, "Cache-Control: public\r\n");
    CHECK(whole.status == 200);
    CHECK_FALSE(whole.file);
    CHECK(whole.body == "0123456789");

    auto first = file_response(get("bytes=0-0"), *file, "Cache-Control: public\r\n");
    CHECK(first.status == 206);
    CHECK(first.body == "0");
    CHECK(*first.header("Content-Range") == "bytes 0-0/10");

    auto suffix = file_response(get("bytes=-3"), *file, "Cache-Control: public\r\n");
    CHECK(suffix.status == 206);
    CHECK(suffix.body == "789");

    auto open_end = file_response(get("bytes=4-"), *file, "Cache-Control: public\r\n");
    CHECK(*open_end.header("Content-Range") == "bytes 4-9/10");

    auto clipped = file_response(get("bytes=8-100"), *file, "Cache-Control: public\r\n");
    CHECK(*clipped.header("Content-Range") == "bytes 8-9/10");

    auto beyond = file_response(get("bytes=10-20"), *file, "Cache-Control: public\r\n");
    CHECK(beyond.status == 416);
    CHECK(*beyond.header("Content-Range") == "bytes */10");

    auto revalidate = get();
    revalidate.headers.emplace_back("if-none-match", file->etag);
    CHECK(file_response(revalidate, *file, "Cache-Control: public\r\n").status == 304);
    auto stale = get();
    stale.headers.emplace_back("if-none-match", "\"other\"");
    CHECK(file_response(stale, *file, "Cache-Control: public\r\n").status == 200);
}

TEST_CASE("a file's type and validators are shared lines that header() and set_header() still see") {
    const one_file f("index.m3u8", "#EXTM3U\n");
    const auto& file = f.file;
    auto response = file_response(get(), *file, "Cache-Control: public, max-age=10\r\n");
    REQUIRE(response.shared_header_lines);
    CHECK(response.shared_header_lines == file->header_lines);  // the same lines, not a copy
    CHECK(*response.header("content-type") == "application/vnd.apple.mpegurl");
    CHECK(*response.header("ETag") == file->etag);
    CHECK(*response.header("Last-Modified") == file->last_modified);
    CHECK(*response.header("Accept-Ranges") == "bytes");
    CHECK(*response.header("Cache-Control") == "public, max-age=10");
    CHECK_FALSE(response.header("Content-Range"));

    // Replacing a shared one turns the lines into ordinary headers: one Content-Type, the new one.
    response.set_header("Content-Type", "text/plain");
    CHECK_FALSE(response.shared_header_lines);
    CHECK(*response.header("Content-Type") == "text/plain");
    CHECK(*response.header("ETag") == file->etag);
    int content_types = 0;
    for (const auto& [name, value] : response.headers) content_types += name == "Content-Type";
    CHECK(content_types == 1);
    // A 304 keeps the validators.
    auto request = get();
    request.headers.emplace_back("if-none-match", file->etag);
    const auto not_modified = file_response(request, *file, "Cache-Control: public\r\n");
    CHECK(not_modified.status == 304);
    CHECK(*not_modified.header("ETag") == file->etag);
    CHECK(*not_modified.header("Cache-Control") == "public");
    // and nothing that describes the representation (RFC 9110 §15.4.5).
    CHECK_FALSE(not_modified.header("Content-Type"));
    CHECK_FALSE(not_modified.header("Accept-Ranges"));
}

TEST_CASE("a route's policy lines are sent as they are, and set_header() replaces one of them") {
    const one_file f("seg.m4s", "0123456789");
    const auto& file = f.file;
    constexpr static_text policy = "Cache-Control: public, immutable\r\nAccess-Control-Allow-Origin: *\r\n";
    auto response = file_response(get(), *file, policy);
    CHECK(response.static_header_lines.view().data() == policy.view().data());  // a view, not a copy
    CHECK(response.headers.empty());
    CHECK(*response.header("cache-control") == "public, immutable");
    CHECK(*response.header("Access-Control-Allow-Origin") == "*");

    response.set_header("Cache-Control", "no-store");
    CHECK(response.static_header_lines.view().empty());
    CHECK(*response.header("Cache-Control") == "no-store");
    CHECK(*response.header("Access-Control-Allow-Origin") == "*");
    CHECK(*response.header("Content-Type") == "video/iso.segment");
    int cache_controls = 0;
    for (const auto& [name, value] : response.headers) cache_controls += name == "Cache-Control";
    CHECK(cache_controls == 1);
}

namespace {

// The time as the test sets it: the cache asks for it through a plain function.
std::chrono::steady_clock::time_point manual_time;
std::chrono::steady_clock::time_point manual_now() { return manual_time; }

}  // namespace

TEST_CASE("a file replaced on disk is served anew once its entry is due for a check, on every thread") {
    festival::testing::temp_dir dir;
    std::ofstream(dir.path() / "index.m3u8") << "#EXTM3U\n#first\n";
    manual_time = std::chrono::steady_clock::time_point(std::chrono::hours(1));
    file_cache cache(16, std::chrono::milliseconds(200), &manual_now);
    const auto root = dir.path().string();
    const auto before = cache.open(root, "index.m3u8");
    REQUIRE(before);
    CHECK(cache.open(root, "index.m3u8") == before);  // a hit: the same entry, nothing re-read

    // Another thread gets its own copy of the entry: the same file and validators.
    std::shared_ptr<const cached_file> other;
    std::thread([&] { other = cache.open(root, "index.m3u8"); }).join();
    REQUIRE(other);
    CHECK(other != before);
    CHECK(other->etag == before->etag);
    CHECK(other->file == before->file);

    // Replaced by a rename, as the transcoder publishes: a new inode, new contents.
    std::ofstream(dir.path() / "next") << "#EXTM3U\n#second, longer\n";
    std::filesystem::rename(dir.path() / "next", dir.path() / "index.m3u8");
    manual_time += std::chrono::milliseconds(199);
    CHECK(cache.open(root, "index.m3u8") == before);  // not yet due: still the entry it had
    manual_time += std::chrono::milliseconds(1);
    const auto after = cache.open(root, "index.m3u8");
    REQUIRE(after);
    CHECK(after->etag != before->etag);
    REQUIRE(after->contents);
    CHECK(*after->contents == "#EXTM3U\n#second, longer\n");
    std::shared_ptr<const cached_file> other_after;
    std::thread([&] { other_after = cache.open(root, "index.m3u8"); }).join();
    REQUIRE(other_after);
    CHECK(other_after->etag == after->etag);

    // Removed: gone for every thread once due for a check.
    std::filesystem::remove(dir.path() / "index.m3u8");
    manual_time += std::chrono::milliseconds(199);
    CHECK(cache.open(root, "index.m3u8") == after);
    manual_time += std::chrono::milliseconds(1);
    CHECK_FALSE(cache.open(root, "index.m3u8"));
}
