// `festival-transcoder probe` and `transcode` on files that are not films: clear codes, exit 2,
// and no published output.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.hpp"
#include "tests/transcoder/media_tools.hpp"
#include "transcoder/media_probe.hpp"

using namespace festival::testing;
namespace fs = std::filesystem;

namespace {

std::string refusal_code(const fs::path& file) {
    const auto r = run_transcoder({"probe", "--input", file.string()});
    CHECK_MESSAGE(r.exit_code == 2, r.out << r.err);
    const auto j = nlohmann::json::parse(r.out);
    CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
    return j["error"]["code"].get<std::string>();
}

void write(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

}  // namespace

TEST_CASE("a playable clip is described as JSON") {
    temp_dir dir;
    const auto clip = dir.path() / "clip.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=3", "-f", "lavfi", "-i", "sine=d=3", "-c:v", "libx264",
                "-preset", "ultrafast", "-c:a", "aac", "-ac", "2", "-shortest", clip.string()});
    const auto r = run_transcoder({"probe", "--input", clip.string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["duration_seconds"].get<double>() == doctest::Approx(3.0).epsilon(0.05));
    CHECK(j["width"] == 320);
    CHECK(j["height"] == 240);
    CHECK(j["video_codec"] == "h264");
    CHECK(j["audio_channels"] == 2);
    CHECK(j["frame_rate"].get<double>() == doctest::Approx(25.0));
}

TEST_CASE("files that are not films are refused with a clear reason") {
    temp_dir dir;
    const auto text = dir.path() / "notes.mp4";
    write(text, "These are the director's notes, not a film.\n");
    CHECK(refusal_code(text) == "not_a_film");

    const auto image = dir.path() / "still.png";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=64x64", "-frames:v", "1", image.string()});
    CHECK(refusal_code(image) == "not_a_film");

    const auto mp3 = dir.path() / "song.mp3";
    make_media({"-f", "lavfi", "-i", "sine=d=2", mp3.string()});
    CHECK(refusal_code(mp3) == "no_video");

    const auto m4a = dir.path() / "song.m4a";
    make_media({"-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac", m4a.string()});
    CHECK(refusal_code(m4a) == "no_video");

    const auto empty = dir.path() / "empty.mkv";
    write(empty, "");
    CHECK(refusal_code(empty) == "not_a_film");
    CHECK(refusal_code(dir.path() / "missing.mp4") == "unreadable");
}

TEST_CASE("a truncated film is refused as truncated, whether its index is at the end or the start") {
    temp_dir dir;
    const auto whole = dir.path() / "whole.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=4", "-c:v", "libx264", "-preset", "ultrafast",
                whole.string()});
    const auto size = fs::file_size(whole);
    const auto cut = dir.path() / "cut.mp4";
    fs::copy_file(whole, cut);
    fs::resize_file(cut, size / 2);
    CHECK(refusal_code(cut) == "truncated");

    const auto faststart = dir.path() / "faststart.mp4";
    make_media({"-i", whole.string(), "-c", "copy", "-movflags", "+faststart", faststart.string()});
    const auto cut_end = dir.path() / "cut-end.mp4";
    fs::copy_file(faststart, cut_end);
    fs::resize_file(cut_end, fs::file_size(faststart) / 2);
    CHECK(refusal_code(cut_end) == "truncated");
}

TEST_CASE("a playlist or concat file pointing at other files is never followed") {
    temp_dir dir;
    const auto clip = dir.path() / "clip.ts";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=160x120:d=1", "-c:v", "libx264", "-preset", "ultrafast", clip.string()});
    const auto m3u8 = dir.path() / "film.m3u8";
    write(m3u8, "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n/etc/passwd\n#EXTINF:1,\n" + clip.string() +
                    "\n#EXT-X-ENDLIST\n");
    CHECK(refusal_code(m3u8) == "playlist_not_allowed");
    const auto disguised = dir.path() / "film.mp4";
    write(disguised, "ffconcat version 1.0\nfile '/etc/passwd'\nfile '" + clip.string() + "'\n");
    CHECK(refusal_code(disguised) == "playlist_not_allowed");

    // transcode refuses as well and publishes nothing
    const auto out = dir.path() / "out";
    const auto r = run_transcoder({"transcode", "--input", disguised.string(), "--output", out.string(), "--quiet"});
    CHECK(r.exit_code == 2);
    CHECK(nlohmann::json::parse(r.out)["error"]["code"] == "playlist_not_allowed");
    CHECK_FALSE(fs::exists(out));
    for (const auto& entry : fs::directory_iterator(dir.path()))
        CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
}

TEST_CASE("a file whose header claims a 50000x50000 picture is refused before decoding") {
    temp_dir dir;
    const auto clip = dir.path() / "clip.mkv";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x256:d=1", "-c:v", "libx264", "-preset", "ultrafast", clip.string()});
    // Matroska stores PixelWidth (0xB0) and PixelHeight (0xBA) as 2-byte integers here: 320 and 256.
    auto bytes = read_text(clip);
    const std::string width("\xB0\x82\x01\x40", 4), height("\xBA\x82\x01\x00", 4);
    REQUIRE(bytes.find(width) != std::string::npos);
    REQUIRE(bytes.find(height) != std::string::npos);
    bytes.replace(bytes.find(width), 4, std::string("\xB0\x82\xC3\x50", 4));   // 50000
    bytes.replace(bytes.find(height), 4, std::string("\xBA\x82\xC3\x50", 4));  // 50000
    const auto huge = dir.path() / "huge.mkv";
    write(huge, bytes);
    CHECK(refusal_code(huge) == "too_large");
}

TEST_CASE("limits on picture size and duration are enforced") {
    temp_dir dir;
    const auto clip = dir.path() / "clip.mkv";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=3", "-c:v", "libx264", "-preset", "ultrafast", clip.string()});
    using festival::transcoder::media_error;
    festival::transcoder::media_limits narrow;
    narrow.max_dimension = 300;
    try {
        festival::transcoder::probe_media(clip.string(), narrow);
        FAIL("expected too_large");
    } catch (const media_error& e) {
        CHECK(e.code() == "too_large");
    }
    festival::transcoder::media_limits short_films;
    short_films.max_duration_seconds = 2;
    try {
        festival::transcoder::probe_media(clip.string(), short_films);
        FAIL("expected too_long");
    } catch (const media_error& e) {
        CHECK(e.code() == "too_long");
    }
    CHECK(festival::transcoder::probe_media(clip.string()).width == 320);
}
