#include "tests/support/media_version.hpp"

#include "tests/support/temp_dir.hpp"
#include "transcoder/media/media_layout.hpp"

namespace festival::testing {

void write_one_rendition_version(const std::filesystem::path& version, const named_files& rendition) {
    const festival::media::version_layout folder(version);
    std::filesystem::create_directories(folder.rung_dir("360p"));
    write_file(folder.master_playlist(),
               "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
               "#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\n360p/index.m3u8\n");
    for (const auto& [name, bytes] : rendition) write_file(folder.rung_dir("360p") / name, bytes);
}

}  // namespace festival::testing
