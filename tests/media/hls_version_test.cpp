// The version model: its manifest, the master playlist generated from it, and versions published
// before manifests existed, read back from their folder.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.hpp"
#include "transcoder/media/hls_version.hpp"

using namespace festival::media;
using festival::testing::temp_dir;
using festival::testing::write_file;

namespace {

hls_version two_rungs() {
    return {{{"720p/index.m3u8", 3'100'000, 2'700'000, 1280, 720, "avc1.64001f,mp4a.40.2", 25},
             {"360p/index.m3u8", 900'000, 800'000, 640, 360, "avc1.64001e,mp4a.40.2", 25}},
            {"en", "fr"},
            6.5};
}

// A master as versions published before manifests have it (written by master_playlist then).
const std::string legacy_master =
    "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
    "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"en\",NAME=\"English\",DEFAULT=NO,AUTOSELECT=YES,"
    "FORCED=NO,URI=\"subtitles/en.m3u8\"\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=3100000,AVERAGE-BANDWIDTH=2700000,RESOLUTION=1280x720,"
    "CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=25.000,SUBTITLES=\"subs\"\n720p/index.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,SUBTITLES=\"subs\"\r\n360p/index.m3u8\r\n";

}  // namespace

TEST_CASE("the master playlist lists the subtitle renditions, then every variant in the subtitle group") {
    const auto master = master_playlist(two_rungs());
    CHECK(master ==
          "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
          "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"en\",NAME=\"English\",DEFAULT=NO,AUTOSELECT=YES,"
          "FORCED=NO,URI=\"subtitles/en.m3u8\"\n"
          "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"fr\",NAME=\"Français\",DEFAULT=NO,AUTOSELECT=YES,"
          "FORCED=NO,URI=\"subtitles/fr.m3u8\"\n"
          "#EXT-X-STREAM-INF:BANDWIDTH=3100000,AVERAGE-BANDWIDTH=2700000,RESOLUTION=1280x720,"
          "CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=25.000,SUBTITLES=\"subs\"\n720p/index.m3u8\n"
          "#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,RESOLUTION=640x360,"
          "CODECS=\"avc1.64001e,mp4a.40.2\",FRAME-RATE=25.000,SUBTITLES=\"subs\"\n360p/index.m3u8\n");
    auto without = two_rungs();
    without.subtitle_languages.clear();
    CHECK(master_playlist(without).find("SUBTITLES") == std::string::npos);
}

TEST_CASE("a version survives its manifest unchanged") {
    const auto version = two_rungs();
    CHECK(version_from_json(nlohmann::json::parse(version_to_json(version).dump())) == version);
    CHECK_THROWS(version_from_json(nlohmann::json::array()));
    CHECK_THROWS(version_from_json({{"variants", {{{"bandwidth", 1}}}}}));
}

TEST_CASE("a manifest cannot name files outside its version") {
    auto escaping = version_to_json(two_rungs());
    escaping["variants"][0]["uri"] = "../../7/v1/360p/index.m3u8";
    CHECK_THROWS_AS(version_from_json(escaping), std::invalid_argument);
    auto absolute = version_to_json(two_rungs());
    absolute["variants"][0]["uri"] = "/etc/passwd";
    CHECK_THROWS_AS(version_from_json(absolute), std::invalid_argument);
    auto language = version_to_json(two_rungs());
    language["subtitles"] = {"../fr"};
    CHECK_THROWS_AS(version_from_json(language), std::invalid_argument);
}

TEST_CASE("an old master's variants are read with the attributes it states, and written back the same") {
    const auto variants = variants_of_master(legacy_master);
    REQUIRE(variants.size() == 2);
    CHECK(variants[0] == two_rungs().variants[0]);
    CHECK(variants[1] == hls_variant{"360p/index.m3u8", 900'000, 0, 640, 360, "", 0});
    const auto again = master_playlist({variants, {"en"}, 6.5});
    CHECK(again.find("BANDWIDTH=900000,RESOLUTION=640x360,SUBTITLES=\"subs\"\n360p/index.m3u8\n") != std::string::npos);
    CHECK(variants_of_master(again) == variants);
    CHECK(variants_of_master("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n").empty());
}

TEST_CASE("a version published before manifests is read from its folder") {
    temp_dir dir;
    const version_layout folder(dir.path() / "v3");
    std::filesystem::create_directories(folder.root());
    write_file(folder.master_playlist(), legacy_master);
    const std::string rung = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n"
                             "#EXTINF:4.000,\nseg0.m4s\n#EXTINF:2.500,\nseg1.m4s\n#EXT-X-ENDLIST\n";
    for (const char* name : {"720p", "360p"}) {
        std::filesystem::create_directories(folder.rung_dir(name));
        write_file(folder.rung_playlist(name), rung);
        for (const char* file : {"init.mp4", "seg0.m4s", "seg1.m4s"}) write_file(folder.rung_dir(name) / file, "bytes");
    }
    std::filesystem::create_directories(folder.subtitles_dir());
    write_file(folder.subtitle_file("en"), "WEBVTT\n\n");
    write_file(folder.subtitle_playlist("en"), "#EXTM3U\n");
    write_file(folder.subtitle_file("de"), "WEBVTT\n\n");  // no playlist: not offered
    const auto version = read_version(folder);
    CHECK(version.variants == variants_of_master(legacy_master));
    CHECK(version.subtitle_languages == std::vector<std::string>{"en"});
    CHECK(version.duration_seconds == doctest::Approx(6.5));

    // Once written, the manifest is what is read.
    auto changed = version;
    changed.subtitle_languages = {"fr"};
    write_version(folder, changed);
    CHECK(read_version(folder) == changed);
    CHECK(read_version(folder).subtitle_languages == std::vector<std::string>{"fr"});
}

TEST_CASE("a folder with neither a manifest nor a readable master is not a version") {
    temp_dir dir;
    CHECK_THROWS(read_version(version_layout(dir.path())));
    write_file(dir.path() / "master.m3u8", "#EXTM3U\n");
    CHECK_THROWS(read_version(version_layout(dir.path())));
    write_file(dir.path() / "version.json", "{not json");
    CHECK_THROWS(read_version(version_layout(dir.path())));
}
