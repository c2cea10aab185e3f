#include "tests/support/media_version.hpp"

#include "tests/support/temp_dir.hpp"

namespace festival::testing {

void write_one_rendition_version(const std::filesystem::path& version, const named_files& rendition) {
    std::filesystem::create_directories(version / "360p");
    write_file(version / "master.m3u8",
               "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
               "#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\n360p/index.m3u8\n");
    for (const auto& [name, bytes] : rendition) write_file(version / "360p" / name, bytes);
}

}  // namespace festival::testing
