// Range and conditional headers against a cached file: whatever they say, a partial answer stays
// inside the file and a full one sends all of it.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "server/http/file_cache.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace festival;

namespace {

constexpr std::uint64_t file_size = 1000;

std::shared_ptr<const server::cached_file> segment() {
    static server::file_cache cache;
    static const std::string root = [] {
        const auto dir = fuzzing::shared_festival().data_dir + "/range";
        std::filesystem::create_directories(dir);
        std::ofstream(dir + "/segment.m4s") << std::string(file_size, 's');
        return dir;
    }();
    return cache.open(root, "segment.m4s");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto file = segment();
    if (!file) __builtin_trap();
    // Up to four header values, separated by newlines.
    static const char* names[] = {"range", "if-range", "if-none-match", "if-modified-since"};
    server::http_request request;
    request.method = size > 0 && (data[0] & 1) ? "HEAD" : "GET";
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    for (const char* name : names) {
        const auto end = rest.find('\n');
        request.headers.emplace_back(name, std::string(rest.substr(0, end)));
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 1);
    }
    const auto response = server::file_response(request, *file, "Cache-Control: no-cache\r\n");
    if (response.file) {
        const auto& range = *response.file;
        if (range.offset + range.length > file_size || range.length == 0) __builtin_trap();
        if (response.status == 200 && range.length != file_size) __builtin_trap();
        if (response.status != 200 && response.status != 206) __builtin_trap();
    }
    return 0;
}
