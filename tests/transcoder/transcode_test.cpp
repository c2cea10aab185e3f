// `festival-transcoder transcode` on small generated clips, checked with ffprobe.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "tests/support/temp_dir.hpp"
#include "tests/transcoder/media_tools.hpp"

using namespace festival::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Runs a transcode that must succeed; returns the output folder.
fs::path transcode(const temp_dir& dir, const fs::path& input, std::vector<std::string> extra = {}) {
    const auto out = dir.path() / "published";
    std::vector<std::string> args = {"transcode", "--input", input.string(), "--output", out.string(), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_transcoder(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
    REQUIRE(fs::exists(out / "master.m3u8"));
    return out;
}

json video_stream(const fs::path& playlist) {
    const auto j = probe_json(playlist, {"-select_streams", "v:0", "-show_streams"});
    REQUIRE(j["streams"].size() == 1);
    return j["streams"][0];
}

std::vector<json> audio_streams(const fs::path& playlist) {
    const auto j = probe_json(playlist, {"-select_streams", "a", "-show_streams"});
    return j["streams"].get<std::vector<json>>();
}

double media_duration(const fs::path& playlist) {
    const auto j = probe_json(playlist, {"-show_entries", "format=duration"});
    return std::stod(j["format"]["duration"].get<std::string>());
}

double ratio(const std::string& text) {
    const auto colon = text.find(':');
    return std::stod(text.substr(0, colon)) / std::stod(text.substr(colon + 1));
}

}  // namespace

TEST_CASE("a 16:9 clip becomes a ladder capped at its height, with aligned keyframes and a complete master") {
    temp_dir dir;
    const auto source = dir.path() / "source.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=9", "-f", "lavfi", "-i", "sine=d=9", "-c:v", "libx264",
                "-preset", "ultrafast", "-c:a", "aac", "-ac", "2", "-shortest", source.string()});
    const auto out = transcode(dir, source);
    const auto master = read_text(out / "master.m3u8");
    CHECK(master.find("#EXT-X-INDEPENDENT-SEGMENTS") != std::string::npos);
    const auto variants = video_variants(master);
    REQUIRE(variants.size() == 3);  // 360p, 240p and 144p; nothing above the source
    std::set<std::string> resolutions;
    std::vector<std::vector<double>> keyframes;
    for (const auto& v : variants) {
        resolutions.insert(v.attributes.at("RESOLUTION"));
        CHECK(v.attributes.at("CODECS").rfind("avc1.64", 0) == 0);
        CHECK(v.attributes.at("CODECS").find(",mp4a.40.2") != std::string::npos);  // the group's sound
        CHECK(v.attributes.at("FRAME-RATE") == "25.000");
        const auto peak = std::stol(v.attributes.at("BANDWIDTH")), average = std::stol(v.attributes.at("AVERAGE-BANDWIDTH"));
        CHECK(average > 50'000);
        CHECK(peak >= average);
        const auto playlist = out / v.uri;
        const auto media = read_text(playlist);
        CHECK(media.find("#EXT-X-PLAYLIST-TYPE:VOD") != std::string::npos);
        CHECK(media.find("#EXT-X-ENDLIST") != std::string::npos);
        CHECK(media.find("#EXT-X-MAP:URI=\"init.mp4\"") != std::string::npos);
        CHECK(media_duration(playlist) == doctest::Approx(9.0).epsilon(0.2 / 9));
        const auto video = video_stream(playlist);
        CHECK(video["pix_fmt"] == "yuv420p");
        CHECK(std::to_string(video["width"].get<int>()) + "x" + std::to_string(video["height"].get<int>()) ==
              v.attributes.at("RESOLUTION"));
        CHECK(audio_streams(playlist).empty());  // video only: the sound is a rendition of its own
        keyframes.push_back(keyframe_times(playlist));
        // One segment per 4 s: 9 s make three, each starting on a keyframe.
        int segments = 0;
        for (std::size_t at = media.find("#EXTINF:"); at != std::string::npos; at = media.find("#EXTINF:", at + 1)) ++segments;
        CHECK(segments == 3);
        CHECK(keyframes.back().size() == 3);
    }
    CHECK(resolutions == std::set<std::string>{"640x360", "426x240", "256x144"});
    const auto sound = out / "audio/original/index.m3u8";
    const auto audio = audio_streams(sound);
    REQUIRE(audio.size() == 1);
    CHECK(audio[0]["codec_name"] == "aac");
    CHECK(audio[0]["profile"] == "LC");
    CHECK(audio[0]["channels"] == 2);
    CHECK(media_duration(sound) == doctest::Approx(9.0).epsilon(0.2 / 9));
    // The sound starts with the pictures (nothing decoded before the first picture is lost).
    const auto audio_packets = probe_json(sound, {"-select_streams", "a:0", "-show_entries", "packet=pts_time",
                                                  "-read_intervals", "%+#3"});
    REQUIRE_FALSE(audio_packets["packets"].empty());
    CHECK(std::stod(audio_packets["packets"][0]["pts_time"].get<std::string>()) < 0.1);
    // The same keyframe times in every rung, every 4 s.
    REQUIRE(keyframes[0].size() == keyframes[1].size());
    for (std::size_t i = 0; i < keyframes[0].size(); ++i) {
        CHECK(keyframes[0][i] == doctest::Approx(keyframes[1][i]).epsilon(0.001));
        CHECK(keyframes[0][i] - keyframes[0][0] == doctest::Approx(4.0 * i).epsilon(0.01));
    }
    // Poster and storyboard.
    const auto poster = probe_json(out / "poster.jpg", {"-show_streams"});
    CHECK(poster["streams"][0]["width"] == 640);
    CHECK(poster["streams"][0]["height"] == 360);
    const auto storyboard = read_text(out / "storyboard.vtt");
    CHECK(storyboard.rfind("WEBVTT", 0) == 0);
    CHECK(storyboard.find("storyboard.jpg#xywh=0,0,160,90") != std::string::npos);
    CHECK(storyboard.find("00:00:08.000 --> 00:00:09.000") != std::string::npos);
    CHECK(probe_json(out / "storyboard.jpg", {"-show_streams"})["streams"][0]["width"] == 160 * 5);
}

TEST_CASE("an anamorphic interlaced PAL clip keeps its 16:9 display aspect with square pixels") {
    temp_dir dir;
    const auto source = dir.path() / "pal.mkv";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=720x576:r=25:d=3", "-vf", "setsar=64/45", "-flags", "+ildct+ilme",
                "-c:v", "libx264", "-preset", "ultrafast", "-x264opts", "tff=1", source.string()});
    const auto out = transcode(dir, source, {"--ladder", "480,360"});
    const auto variants = video_variants(read_text(out / "master.m3u8"));
    REQUIRE(variants.size() == 2);
    CHECK(variants[0].attributes.at("RESOLUTION") == "854x480");
    CHECK(variants[1].attributes.at("RESOLUTION") == "640x360");
    for (const auto& v : variants) {
        const auto video = video_stream(out / v.uri);
        const double display = video["width"].get<double>() / video["height"].get<double>() *
                               (video.contains("sample_aspect_ratio") ? ratio(video["sample_aspect_ratio"]) : 1.0);
        CHECK(display == doctest::Approx(16.0 / 9.0).epsilon(0.01));
        if (video.contains("field_order")) CHECK(video["field_order"] == "progressive");
    }
}

TEST_CASE("a portrait phone clip with rotation metadata is turned upright") {
    temp_dir dir;
    const auto coded = dir.path() / "coded.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=3", "-f", "lavfi", "-i", "sine=d=3", "-c:v", "libx264",
                "-preset", "ultrafast", "-c:a", "aac", "-shortest", coded.string()});
    const auto phone = dir.path() / "phone.mp4";
    make_media({"-i", coded.string(), "-c", "copy", "-metadata:s:v:0", "rotate=90", phone.string()});
    const auto out = transcode(dir, phone);
    const auto variants = video_variants(read_text(out / "master.m3u8"));
    REQUIRE(variants.size() == 3);
    CHECK(variants[0].attributes.at("RESOLUTION") == "360x640");
    CHECK(variants[1].attributes.at("RESOLUTION") == "240x426");
    CHECK(variants[2].attributes.at("RESOLUTION") == "144x256");
    CHECK(variants[0].attributes.at("FRAME-RATE") == "30.000");
    const auto video = video_stream(out / variants[0].uri);
    CHECK(video["width"] == 360);
    CHECK(video["height"] == 640);
    CHECK_FALSE(video.contains("side_data_list"));  // no rotation left for the player to apply
    const auto poster = probe_json(out / "poster.jpg", {"-show_streams"});
    CHECK(poster["streams"][0]["width"] == 360);
    CHECK(poster["streams"][0]["height"] == 640);
}

TEST_CASE("a 23.976 fps scope clip with 5.1 sound gets a stereo down-mix and its frame rate") {
    temp_dir dir;
    const auto source = dir.path() / "scope.mkv";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=480x200:r=24000/1001:d=4", "-f", "lavfi", "-i", "sine=d=4", "-ac", "6",
                "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", source.string()});
    REQUIRE(probe_json(source, {"-select_streams", "a", "-show_streams"})["streams"][0]["channels"] == 6);
    const auto out = transcode(dir, source);
    const auto variants = video_variants(read_text(out / "master.m3u8"));
    REQUIRE(variants.size() == 2);
    CHECK(variants[0].attributes.at("RESOLUTION") == "426x178");
    CHECK(variants[1].attributes.at("RESOLUTION") == "256x106");
    CHECK(variants[0].attributes.at("FRAME-RATE") == "23.976");
    const auto audio = audio_streams(out / "audio/original/index.m3u8");
    REQUIRE(audio.size() == 1);
    CHECK(audio[0]["channels"] == 2);
    CHECK(audio[0]["channel_layout"] == "stereo");
    CHECK(media_duration(out / variants[0].uri) == doctest::Approx(4.0).epsilon(0.05));
}

TEST_CASE("a silent 10-bit clip becomes 8-bit 4:2:0 video without an audio track") {
    temp_dir dir;
    const auto source = dir.path() / "ten.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=3", "-c:v", "libx264", "-pix_fmt", "yuv420p10le",
                "-preset", "ultrafast", source.string()});
    const auto out = transcode(dir, source);
    const auto master = read_text(out / "master.m3u8");
    const auto variants = video_variants(master);
    REQUIRE(variants.size() == 2);  // 240p and 144p
    CHECK(variants[0].attributes.at("CODECS").find("mp4a") == std::string::npos);
    // No sound: no audio group, no sound-only variant.
    CHECK(master.find("AUDIO") == std::string::npos);
    CHECK(stream_entries(master).size() == 2);
    const auto video = video_stream(out / variants[0].uri);
    CHECK(video["pix_fmt"] == "yuv420p");
    CHECK(video["profile"] == "High");
    CHECK(audio_streams(out / variants[0].uri).empty());
}

TEST_CASE("uploaded and embedded subtitles become WebVTT renditions with language and name") {
    temp_dir dir;
    const auto embedded = dir.path() / "en.srt";
    std::ofstream(embedded) << "1\n00:00:00,500 --> 00:00:02,000\nWelcome to the festival.\n";
    const auto source = dir.path() / "film.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=4", "-f", "lavfi", "-i", "sine=d=4", "-i",
                embedded.string(), "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast",
                "-c:a", "aac", "-c:s", "mov_text", "-metadata:s:s:0", "language=eng", "-shortest", source.string()});
    const auto french = dir.path() / "fr.srt";
    std::ofstream(french, std::ios::binary) << "1\r\n00:00:01,000 --> 00:00:03,000\r\nBient\xf4t l'\xe9t\xe9 \xe0 Dakar\r\n";
    const auto out = transcode(dir, source, {"--subtitle", "fr=" + french.string()});
    const auto master = read_text(out / "master.m3u8");
    std::vector<playlist_entry> renditions;
    for (auto& r : media_entries(master))
        if (r.attributes.at("TYPE") != "AUDIO") renditions.push_back(std::move(r));  // the film's sound: audio_renditions_test
    REQUIRE(renditions.size() == 2);
    std::map<std::string, playlist_entry> by_language;
    for (const auto& r : renditions) {
        CHECK(r.attributes.at("TYPE") == "SUBTITLES");
        CHECK(r.attributes.at("GROUP-ID") == "subs");
        by_language[r.attributes.at("LANGUAGE")] = r;
    }
    REQUIRE(by_language.count("fr"));
    REQUIRE(by_language.count("en"));
    CHECK(by_language["fr"].attributes.at("NAME") == "Français");
    CHECK(by_language["en"].attributes.at("NAME") == "English");
    for (const auto& v : stream_entries(master)) CHECK(v.attributes.at("SUBTITLES") == "subs");
    const auto fr_playlist = read_text(out / by_language["fr"].uri);
    CHECK(fr_playlist.find("#EXT-X-ENDLIST") != std::string::npos);
    const auto fr = read_text(out / "subtitles" / "fr.vtt");
    CHECK(fr.rfind("WEBVTT", 0) == 0);
    CHECK(fr.find("00:00:01.000 --> 00:00:03.000") != std::string::npos);
    CHECK(fr.find("Bientôt l'été à Dakar") != std::string::npos);
    const auto en = read_text(out / "subtitles" / "en.vtt");
    CHECK(en.find("Welcome to the festival.") != std::string::npos);
    CHECK(en.find("00:00:00.500 --> 00:00:02.000") != std::string::npos);
}

TEST_CASE("an existing output folder is never overwritten") {
    temp_dir dir;
    const auto source = dir.path() / "source.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2", "-c:v", "libx264", "-preset", "ultrafast", source.string()});
    fs::create_directories(dir.path() / "published");
    std::ofstream(dir.path() / "published" / "keep.txt") << "keep";
    const auto r = run_transcoder({"transcode", "--input", source.string(), "--output", (dir.path() / "published").string(),
                                   "--quiet"});
    CHECK(r.exit_code != 0);
    CHECK(fs::exists(dir.path() / "published" / "keep.txt"));
}

TEST_CASE("an HDR (PQ) 10-bit clip is tone-mapped to 8-bit BT.709") {
    temp_dir dir;
    const auto source = dir.path() / "hdr.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2", "-c:v", "libx264", "-pix_fmt", "yuv420p10le",
                "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-preset",
                "ultrafast", source.string()});
    const auto out = transcode(dir, source);
    const auto variants = video_variants(read_text(out / "master.m3u8"));
    REQUIRE(variants.size() == 2);
    const auto video = video_stream(out / variants[0].uri);
    CHECK(video["pix_fmt"] == "yuv420p");
    CHECK(video["color_transfer"] == "bt709");
    CHECK(video["color_primaries"] == "bt709");
}
