// The film's sound and the curators' tracks as HLS audio renditions, checked with ffprobe as an HLS
// client; and `probe --audio` on the files curators upload.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "tests/support/temp_dir.hpp"
#include "tests/transcoder/media_tools.hpp"

using namespace festival::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void sine(const fs::path& file, int frequency, double seconds, int channels = 2) {
    make_media({"-f", "lavfi", "-i", "sine=f=" + std::to_string(frequency) + ":d=" + std::to_string(seconds), "-ac",
                std::to_string(channels), file.string()});
}

// A 16:9 clip whose sound is 5.1 tagged French.
fs::path surround_film(const temp_dir& dir, int seconds) {
    const auto film = dir.path() / "film51.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=" + std::to_string(seconds), "-f", "lavfi", "-i",
                "sine=f=440:d=" + std::to_string(seconds), "-ac", "6", "-c:v", "libx264", "-preset", "ultrafast", "-c:a",
                "aac", "-metadata:s:a:0", "language=fra", "-shortest", film.string()});
    return film;
}

double duration_of(const fs::path& playlist) {
    return std::stod(probe_json(playlist, {"-show_entries", "format=duration"})["format"]["duration"].get<std::string>());
}

const playlist_entry* audio_entry(const std::vector<playlist_entry>& entries, const std::string& name) {
    for (const auto& e : entries)
        if (e.attributes.at("NAME") == name) return &e;
    return nullptr;
}

}  // namespace

TEST_CASE("a 5.1 film with a description and a dub: stereo, 5.1 and the tracks as renditions of one group") {
    temp_dir dir;
    const auto film = surround_film(dir, 5);
    const auto description = dir.path() / "description.wav", dub = dir.path() / "dub.wav";
    sine(description, 880, 5);
    sine(dub, 220, 4, 1);  // a second short: padded with silence
    const auto out = dir.path() / "published";
    const auto r = run_transcoder({"transcode", "--input", film.string(), "--output", out.string(), "--quiet", "--audio-track",
                                   "description:fr=" + description.string(), "--audio-track", "dub:deu=" + dub.string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
    CHECK(json::parse(r.out)["audio"] == json::array({"original", "original-51", "description-fr", "dub-de"}));
    const auto master = read_text(out / "master.m3u8");
    const auto renditions = media_entries(master);
    const auto* original = audio_entry(renditions, "Original");
    const auto* surround = audio_entry(renditions, "Original 5.1");
    const auto* described = audio_entry(renditions, "Audio description (fr)");
    const auto* dubbed = audio_entry(renditions, "Dubbed (de)");
    REQUIRE(original);
    REQUIRE(surround);
    REQUIRE(described);
    REQUIRE(dubbed);
    CHECK(original->attributes.at("LANGUAGE") == "fr");  // from the film's sound stream
    CHECK(original->attributes.at("DEFAULT") == "YES");
    CHECK(original->attributes.at("AUTOSELECT") == "YES");
    CHECK(original->attributes.at("URI") == "audio/original/index.m3u8");  // the rungs are video only
    CHECK(surround->attributes.at("DEFAULT") == "NO");
    CHECK(surround->attributes.at("CHANNELS") == "6");
    CHECK(surround->attributes.at("URI") == "audio/original-51/index.m3u8");
    CHECK(described->attributes.at("CHARACTERISTICS") == "public.accessibility.describes-video");
    CHECK(dubbed->attributes.at("LANGUAGE") == "de");
    CHECK(dubbed->attributes.count("CHARACTERISTICS") == 0);

    const auto manifest = json::parse(read_text(out / "version.json"));
    CHECK(manifest["sound_in_rungs"] == false);
    std::int64_t heaviest = 0, heaviest_average = 0;  // every rendition, the original included
    for (const auto& a : manifest["audio_renditions"]) {
        heaviest = std::max(heaviest, a["bandwidth"].get<std::int64_t>());
        heaviest_average = std::max(heaviest_average, a["average_bandwidth"].get<std::int64_t>());
    }
    CHECK(heaviest == manifest["audio_renditions"][1]["bandwidth"]);  // the 5.1
    const auto variants = stream_entries(master);
    int video = 0;
    bool sound_only = false;
    for (const auto& v : variants) {
        CHECK(v.attributes.at("AUDIO") == "audio");
        if (v.attributes.count("RESOLUTION")) {
            const auto& stated = manifest["variants"][video++];
            CHECK(v.uri == stated["uri"]);
            CHECK(std::stoll(v.attributes.at("BANDWIDTH")) == stated["bandwidth"].get<std::int64_t>() + heaviest);
            CHECK(std::stoll(v.attributes.at("AVERAGE-BANDWIDTH")) ==
                  stated["average_bandwidth"].get<std::int64_t>() + heaviest_average);
            // The rung is video only; its CODECS name the group's sound too.
            CHECK(stated["codecs"].get<std::string>().find("mp4a") == std::string::npos);
            CHECK(v.attributes.at("CODECS") == stated["codecs"].get<std::string>() + ",mp4a.40.2");
            const auto rung = probe_json(out / v.uri, {"-show_streams"});
            REQUIRE(rung["streams"].size() == 1);
            CHECK(rung["streams"][0]["codec_type"] == "video");
        } else {
            sound_only = true;
            CHECK(v.attributes.at("CODECS") == "mp4a.40.2");
            CHECK(v.uri == "audio/original/index.m3u8");
            CHECK(std::stoll(v.attributes.at("BANDWIDTH")) == manifest["audio_renditions"][0]["bandwidth"].get<std::int64_t>());
        }
    }
    CHECK(sound_only);
    CHECK(video == 3);  // 360p, 240p and 144p
    CHECK(std::any_of(variants.begin(), variants.end(),
                      [](const playlist_entry& v) { return v.attributes.count("RESOLUTION") && v.attributes.at("RESOLUTION") == "256x144"; }));

    // The renditions themselves: 5.1 kept as 5.1, every one as long as the film.
    const auto five_one = probe_json(out / "audio/original-51/index.m3u8", {"-select_streams", "a", "-show_streams"});
    REQUIRE(five_one["streams"].size() == 1);
    CHECK(five_one["streams"][0]["channels"] == 6);
    CHECK(five_one["streams"][0]["channel_layout"] == "5.1");
    CHECK(probe_json(out / "audio/original/index.m3u8", {"-select_streams", "a", "-show_streams"})["streams"][0]["channels"] == 2);
    for (const char* id : {"original", "original-51", "description-fr", "dub-de"}) {
        CAPTURE(id);
        CHECK(duration_of(out / "audio" / id / "index.m3u8") == doctest::Approx(5.0).epsilon(0.02));
    }

    // ffprobe as an HLS client: the renditions' languages, and audio description as visual_impaired.
    const auto seen = probe_json(out / "master.m3u8", {"-select_streams", "a", "-show_streams"});
    int visual_impaired = 0;
    std::set<std::string> languages;
    for (const auto& s : seen["streams"]) {
        if (s.contains("tags") && s["tags"].contains("language")) languages.insert(s["tags"]["language"].get<std::string>());
        if (s["disposition"]["visual_impaired"] == 1) {
            ++visual_impaired;
            CHECK(s["tags"]["language"] == "fr");
            CHECK(s["tags"]["comment"] == "Audio description (fr)");
        }
    }
    CHECK(visual_impaired == 1);
    CHECK(languages == std::set<std::string>{"fr", "de"});
    // The master as one programme still has pictures and sound.
    std::set<std::string> codecs;
    const auto programme = probe_json(out / "master.m3u8", {"-show_streams"});
    for (const auto& s : programme["streams"])
        codecs.insert(s["codec_type"].get<std::string>() + ":" + s["codec_name"].get<std::string>());
    CHECK(codecs.count("video:h264") == 1);
    CHECK(codecs.count("audio:aac") == 1);
}

TEST_CASE("a track that is not aligned to the film is refused with its reason") {
    temp_dir dir;
    const auto film = surround_film(dir, 3);
    const auto long_track = dir.path() / "long.wav";
    sine(long_track, 880, 6);  // 3 s too long: more than max(2 s, 1 %)
    const auto out = dir.path() / "published";
    const auto r = run_transcoder({"transcode", "--input", film.string(), "--output", out.string(), "--quiet",
                                   "--audio-track", "description:fr=" + long_track.string()});
    CHECK(r.exit_code == 2);
    const auto error = json::parse(r.out)["error"];
    CHECK(error["code"] == "audio_misaligned");
    CHECK(error["message"].get<std::string>().find("description-fr") != std::string::npos);
    CHECK(error["message"].get<std::string>().find("aligned") != std::string::npos);
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("probe --audio describes a sound file and refuses what is not one track") {
    temp_dir dir;
    const auto wav = dir.path() / "description.wav";
    sine(wav, 880, 3);
    auto r = run_transcoder({"probe", "--audio", wav.string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
    auto j = json::parse(r.out);
    CHECK(j["format"] == "wav");
    CHECK(j["duration_seconds"].get<double>() == doctest::Approx(3.0).epsilon(0.02));
    CHECK(j["audio_channels"] == 2);
    CHECK(j["audio_codec"] == "pcm_s16le");
    CHECK(j["width"] == 0);

    const auto flac = dir.path() / "dub.flac";
    make_media({"-f", "lavfi", "-i", "sine=d=2", "-metadata:s:a:0", "language=deu", flac.string()});
    r = run_transcoder({"probe", "--audio", flac.string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
    CHECK(json::parse(r.out)["audio_codec"] == "flac");

    const auto two = dir.path() / "two.mkv";
    make_media({"-f", "lavfi", "-i", "sine=d=2", "-f", "lavfi", "-i", "sine=f=220:d=2", "-map", "0", "-map", "1", two.string()});
    r = run_transcoder({"probe", "--audio", two.string()});
    CHECK(r.exit_code == 2);
    CHECK(json::parse(r.out)["error"]["code"] == "not_audio");

    const auto text = dir.path() / "notes.wav";
    std::ofstream(text) << "not a sound\n";
    r = run_transcoder({"probe", "--audio", text.string()});
    CHECK(r.exit_code == 2);
    CHECK(json::parse(r.out)["error"]["code"] == "not_audio");

    // The film probe still refuses a sound file.
    r = run_transcoder({"probe", "--input", wav.string()});
    CHECK(r.exit_code == 2);
    CHECK(json::parse(r.out)["error"]["code"] == "no_video");
}
