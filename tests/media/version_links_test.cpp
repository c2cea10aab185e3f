// A version made of another's files: hard links, never the master, the manifest, nor the audio
// renditions the new version replaces.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

#include "tests/support/temp_dir.hpp"
#include "transcoder/media/version_links.hpp"

using namespace festival::media;
using festival::testing::temp_dir;
using festival::testing::write_file;
namespace fs = std::filesystem;

namespace {

ino_t inode_of(const fs::path& file) {
    struct stat facts {};
    REQUIRE(::stat(file.c_str(), &facts) == 0);
    return facts.st_ino;
}

}  // namespace

TEST_CASE("a version's files are linked into another but its master, manifest and replaced audio renditions") {
    temp_dir dir;
    const version_layout base(dir.path() / "v3"), next(dir.path() / ".tmp-9");
    for (const auto& file : {base.master_playlist(), base.manifest(), base.poster(), base.rung_dir("360p") / "init.mp4",
                             base.rung_playlist("360p"), base.subtitle_file("fr"), base.audio_playlist("original"),
                             base.audio_rendition_dir("original-51") / "segment_00000.m4s",
                             base.audio_playlist("description-fr"), base.audio_rendition_dir("description-fr") / "init.mp4"}) {
        fs::create_directories(file.parent_path());
        write_file(file, file.filename().string());
    }
    link_version_files(base, next, {"original", "original-51"});
    for (const auto& relative : {"poster.jpg", "360p/init.mp4", "360p/index.m3u8", "subtitles/fr.vtt",
                                 "audio/original/index.m3u8", "audio/original-51/segment_00000.m4s"}) {
        CAPTURE(relative);
        REQUIRE(fs::exists(next.root() / relative));
        CHECK(inode_of(next.root() / relative) == inode_of(base.root() / relative));
    }
    CHECK_FALSE(fs::exists(next.master_playlist()));
    CHECK_FALSE(fs::exists(next.manifest()));
    CHECK_FALSE(fs::exists(next.audio_rendition_dir("description-fr")));
}
