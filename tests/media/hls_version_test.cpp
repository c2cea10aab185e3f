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
    CHECK(version.sound_in_rungs);  // its rungs carry the film's sound

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

namespace {

hls_audio_rendition rendition(const std::string& id, const std::string& role, const std::string& language, int channels,
                              std::int64_t bandwidth) {
    hls_audio_rendition r;
    r.id = id;
    r.role = role;
    r.language = language;
    r.name = audio_rendition_name(role, language);
    r.channels = channels;
    r.uri = version_layout::audio_playlist_uri(id);
    r.bandwidth = bandwidth;
    r.average_bandwidth = bandwidth - 1000;
    return r;
}

hls_version with_sound() {
    auto version = two_rungs();
    version.audio_renditions = {rendition("original", "original", "fr", 2, 135'000),
                                rendition("original-51", "original-51", "fr", 6, 400'000),
                                rendition("description-fr", "description", "fr", 2, 140'000)};
    return version;
}

}  // namespace

TEST_CASE("audio renditions: one group, the stereo original in the rungs, the others by URI, and a sound-only variant") {
    const auto master = master_playlist(with_sound());
    CHECK(master.find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Original\",LANGUAGE=\"fr\",DEFAULT=YES,"
                      "AUTOSELECT=YES,CHANNELS=\"2\"\n") != std::string::npos);
    CHECK(master.find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Original 5.1\",LANGUAGE=\"fr\",DEFAULT=NO,"
                      "AUTOSELECT=YES,CHANNELS=\"6\",URI=\"audio/original-51/index.m3u8\"\n") != std::string::npos);
    CHECK(master.find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Audio description (fr)\",LANGUAGE=\"fr\","
                      "DEFAULT=NO,AUTOSELECT=YES,CHANNELS=\"2\",CHARACTERISTICS=\"public.accessibility.describes-video\","
                      "URI=\"audio/description-fr/index.m3u8\"\n") != std::string::npos);
    // RFC 8216 4.3.4.2: a rung's BANDWIDTH counts the largest rendition a player may load beside it.
    CHECK(master.find("#EXT-X-STREAM-INF:BANDWIDTH=3500000,AVERAGE-BANDWIDTH=2700000,RESOLUTION=1280x720,"
                      "CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=25.000,AUDIO=\"audio\",SUBTITLES=\"subs\"\n"
                      "720p/index.m3u8\n") != std::string::npos);
    CHECK(master.find("#EXT-X-STREAM-INF:BANDWIDTH=1300000,") != std::string::npos);
    // Sound only, last (players starting at the first variant start with pictures).
    CHECK(master.ends_with("#EXT-X-STREAM-INF:BANDWIDTH=135000,AVERAGE-BANDWIDTH=134000,CODECS=\"mp4a.40.2\","
                           "AUDIO=\"audio\",SUBTITLES=\"subs\"\naudio/original/index.m3u8\n"));
    CHECK(variants_of_master(master).size() == 3);
}

TEST_CASE("audio renditions survive the manifest, and an old manifest without them still reads with its master unchanged") {
    const auto version = with_sound();
    CHECK(version_from_json(nlohmann::json::parse(version_to_json(version).dump())) == version);
    auto old = version_to_json(two_rungs());
    old.erase("audio_renditions");
    const auto read = version_from_json(old);
    CHECK(read.audio_renditions.empty());
    CHECK(master_playlist(read) == master_playlist(two_rungs()));
    CHECK(master_playlist(read).find("AUDIO") == std::string::npos);
}

TEST_CASE("a manifest's audio renditions stay inside the version and are what they say") {
    for (const auto& [field, value] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"uri", "../v1/audio/original/index.m3u8"}, {"id", "../x"}, {"name", "a\"b"}, {"role", "commentary"},
             {"language", "fr\n"}, {"channels", 0}}) {
        auto manifest = version_to_json(with_sound());
        manifest["audio_renditions"][2][field] = value;
        CHECK_THROWS_AS(version_from_json(manifest), std::invalid_argument);
    }
    // The original stereo of a version whose base predates renditions has no file: no sound-only variant.
    auto version = two_rungs();
    auto stereo = rendition("original", "original", "und", 2, 0);
    stereo.uri.clear();
    version.audio_renditions = {stereo, rendition("dub-de", "dub", "de", 2, 130'000)};
    const auto master = master_playlist(version_from_json(version_to_json(version)));
    CHECK(master.find("audio/original/") == std::string::npos);
    CHECK(master.find("NAME=\"Dubbed (de)\",LANGUAGE=\"de\"") != std::string::npos);
    CHECK(variants_of_master(master).size() == 2);
}

TEST_CASE("curators' tracks are named by role and language, a second one of the same kind numbered") {
    CHECK(audio_track_ids({{"description", "fr"}, {"dub", "de"}, {"dub", "de"}, {"description", "en"}, {"dub", "de"}}) ==
          std::vector<std::string>{"description-fr", "dub-de", "dub-de-2", "description-en", "dub-de-3"});
}

namespace {

// A version made since the rungs are video only: every sound is a rendition with its own files.
hls_version video_only_rungs() {
    auto version = with_sound();
    version.sound_in_rungs = false;
    version.variants[0].codecs = "avc1.64001f";
    version.variants[1].codecs = "avc1.64001e";
    return version;
}

}  // namespace

TEST_CASE("video-only rungs: the original stereo by URI and default, each variant's CODECS and BANDWIDTH with the group's sound") {
    const auto master = master_playlist(video_only_rungs());
    CHECK(master.find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Original\",LANGUAGE=\"fr\",DEFAULT=YES,"
                      "AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/original/index.m3u8\"\n") != std::string::npos);
    CHECK(master.find("NAME=\"Original 5.1\",LANGUAGE=\"fr\",DEFAULT=NO,") != std::string::npos);
    // RFC 8216 4.3.4.2: the video plus the largest rendition of the group (the 5.1), peak and average.
    CHECK(master.find("#EXT-X-STREAM-INF:BANDWIDTH=3500000,AVERAGE-BANDWIDTH=3099000,RESOLUTION=1280x720,"
                      "CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=25.000,AUDIO=\"audio\",SUBTITLES=\"subs\"\n"
                      "720p/index.m3u8\n") != std::string::npos);
    CHECK(master.find("#EXT-X-STREAM-INF:BANDWIDTH=1300000,AVERAGE-BANDWIDTH=1199000,RESOLUTION=640x360,"
                      "CODECS=\"avc1.64001e,mp4a.40.2\",") != std::string::npos);
    CHECK(master.ends_with("#EXT-X-STREAM-INF:BANDWIDTH=135000,AVERAGE-BANDWIDTH=134000,CODECS=\"mp4a.40.2\","
                           "AUDIO=\"audio\",SUBTITLES=\"subs\"\naudio/original/index.m3u8\n"));
    // The manifest says so, and the layout survives it.
    const auto manifest = version_to_json(video_only_rungs());
    CHECK(manifest["sound_in_rungs"] == false);
    CHECK(version_from_json(nlohmann::json::parse(manifest.dump())) == video_only_rungs());
    // Its original stereo has files of its own: a manifest without them is not one of these versions.
    auto missing = manifest;
    missing["audio_renditions"][0]["uri"] = "";
    CHECK_THROWS_AS(version_from_json(missing), std::invalid_argument);
    // A silent film: no group, its CODECS as the rungs have them.
    auto silent = video_only_rungs();
    silent.audio_renditions.clear();
    CHECK(master_playlist(silent).find("AUDIO") == std::string::npos);
    CHECK(master_playlist(silent).find("CODECS=\"avc1.64001f\",") != std::string::npos);
}

TEST_CASE("a manifest that does not say where the sound is keeps the muxed layout and its master") {
    for (const auto& version : {two_rungs(), with_sound()}) {
        auto old = version_to_json(version);
        old.erase("sound_in_rungs");
        const auto read = version_from_json(old);
        CHECK(read.sound_in_rungs);
        CHECK(master_playlist(read) == master_playlist(version));
    }
    // With renditions: the stereo without URI (in the rungs), the rungs' own CODECS unchanged.
    auto old = version_to_json(with_sound());
    old.erase("sound_in_rungs");
    const auto master = master_playlist(version_from_json(old));
    CHECK(master.find("NAME=\"Original\",LANGUAGE=\"fr\",DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\"\n") != std::string::npos);
    CHECK(master.find("CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE") != std::string::npos);
    CHECK(master.find("mp4a.40.2,mp4a.40.2") == std::string::npos);
    CHECK(master.find("AVERAGE-BANDWIDTH=2700000,") != std::string::npos);
}
