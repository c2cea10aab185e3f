// The pure parts of the transcoder: ladder planning, playlist text, subtitle conversion.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.hpp"
#include "tests/transcoder/media_tools.hpp"
#include "transcoder/media/hls_playlists.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/ladder.hpp"
#include "transcoder/media/utf8.hpp"
#include "transcoder/media/subtitles.hpp"

using namespace festival::transcoder;
using namespace festival::media;

TEST_CASE("the ladder never goes above the source and always has a rung") {
    const auto full = plan_ladder(default_ladder(), 1920, 1080);
    REQUIRE(full.size() == 6);
    CHECK(full[0].width == 1920);
    CHECK(full[0].height == 1080);
    CHECK(full[0].video_kbps == 5000);
    CHECK(full[4].width == 426);
    CHECK(full[4].height == 240);
    CHECK(full[4].video_kbps == 400);
    // The smallest connections' rung, for a 16:9 source.
    CHECK(full[5].name() == "144p");
    CHECK(full[5].width == 256);
    CHECK(full[5].height == 144);
    CHECK(full[5].video_kbps == 180);

    const auto small = plan_ladder(default_ladder(), 640, 360);
    REQUIRE(small.size() == 3);
    CHECK(small[0].name() == "360p");
    CHECK(small[1].name() == "240p");
    CHECK(small[2].name() == "144p");

    const auto tiny = plan_ladder(default_ladder(), 200, 150);
    REQUIRE(tiny.size() == 1);
    CHECK(tiny[0].name() == "144p");
    CHECK(tiny[0].width == 192);
    CHECK(tiny[0].height == 144);

    const auto smaller = plan_ladder(default_ladder(), 160, 120);
    REQUIRE(smaller.size() == 1);
    CHECK(smaller[0].width == 160);
    CHECK(smaller[0].height == 120);
}

TEST_CASE("a rung keeps the film's display aspect: scope, 4:3 and portrait") {
    const auto scope = plan_ladder({1080, 720}, 1920, 804);
    REQUIRE(scope.size() == 2);
    CHECK(scope[0].width == 1920);
    CHECK(scope[0].height == 804);
    CHECK(scope[1].width == 1280);
    CHECK(scope[1].height == 536);
    CHECK(scope[0].video_kbps < 5000);  // fewer pixels, fewer bits

    const auto four_three = plan_ladder({720, 480}, 1024, 768);
    CHECK(four_three[0].width == 960);
    CHECK(four_three[0].height == 720);

    const auto portrait = plan_ladder({1080, 720, 360}, 1080, 1920);
    REQUIRE(portrait.size() == 3);
    CHECK(portrait[0].width == 1080);
    CHECK(portrait[0].height == 1920);
    CHECK(portrait[2].width == 360);
    CHECK(portrait[2].height == 640);
}

TEST_CASE("a ladder given on the command line is checked") {
    CHECK(parse_ladder("1080,720,360") == std::vector<int>{1080, 720, 360});
    CHECK_THROWS_AS(parse_ladder("1080,abc"), std::invalid_argument);
    CHECK_THROWS_AS(parse_ladder("99999"), std::invalid_argument);
    CHECK_THROWS_AS(parse_ladder(""), std::invalid_argument);
}

TEST_CASE("the master playlist lists every variant with its attributes and the subtitle group") {
    const hls_variant v{"720p/index.m3u8", 3'100'000, 2'700'000, 1280, 720, "avc1.64001f,mp4a.40.2", 25};
    const auto text = master_playlist(hls_version{{v}, {"fr"}, 12.0});
    CHECK(text.rfind("#EXTM3U\n", 0) == 0);
    CHECK(text.find("#EXT-X-INDEPENDENT-SEGMENTS") != std::string::npos);
    const auto streams = festival::testing::stream_entries(text);
    REQUIRE(streams.size() == 1);
    CHECK(streams[0].attributes.at("BANDWIDTH") == "3100000");
    CHECK(streams[0].attributes.at("AVERAGE-BANDWIDTH") == "2700000");
    CHECK(streams[0].attributes.at("RESOLUTION") == "1280x720");
    CHECK(streams[0].attributes.at("CODECS") == "avc1.64001f,mp4a.40.2");
    CHECK(streams[0].attributes.at("FRAME-RATE") == "25.000");
    CHECK(streams[0].attributes.at("SUBTITLES") == "subs");
    CHECK(streams[0].uri == "720p/index.m3u8");
    const auto media = festival::testing::media_entries(text);
    REQUIRE(media.size() == 1);
    CHECK(media[0].attributes.at("TYPE") == "SUBTITLES");
    CHECK(media[0].attributes.at("LANGUAGE") == "fr");
    CHECK(media[0].attributes.at("NAME") == "Français");
}

TEST_CASE("segment sizes give the peak and average bandwidth") {
    festival::testing::temp_dir dir;
    std::ofstream(dir.path() / "init.mp4") << std::string(1000, 'i');
    std::ofstream(dir.path() / "a.m4s") << std::string(50'000, 'a');
    std::ofstream(dir.path() / "b.m4s") << std::string(10'000, 'b');
    std::ofstream(dir.path() / "index.m3u8") << "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n"
                                                "#EXTINF:4.000,\na.m4s\n#EXTINF:2.000,\nb.m4s\n#EXT-X-ENDLIST\n";
    const auto stats = measure_media_playlist((dir.path() / "index.m3u8").string());
    CHECK(stats.segments == 2);
    CHECK(stats.duration_seconds == doctest::Approx(6.0));
    CHECK(stats.peak_bits_per_second == (50'000 + 1000) * 8 / 4);
    CHECK(stats.average_bits_per_second == (61'000 * 8) / 6);
}

TEST_CASE("the H.264 codec string comes from the SPS") {
    const std::uint8_t annex_b[] = {0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac};
    CHECK(avc_codec_string(annex_b, sizeof annex_b) == "avc1.64001f");
    const std::uint8_t avcc[] = {1, 0x4d, 0x40, 0x1e, 0xff};
    CHECK(avc_codec_string(avcc, sizeof avcc) == "avc1.4d401e");
    CHECK(avc_codec_string(nullptr, 0).empty());
}

TEST_CASE("an SRT in Windows-1252 with French accents becomes UTF-8 WebVTT") {
    const std::string srt = "1\r\n00:00:01,500 --> 00:00:03,000\r\n<i>L'\xe9t\xe9</i> {\\an8}\xe0 Paris\r\n\r\n"
                            "2\r\n00:01:02,000 --> 00:01:04,250\r\nDeux & trois\r\nlignes\r\n";
    const auto cues = parse_subtitle_text(srt);
    REQUIRE(cues.size() == 2);
    CHECK(cues[0].start == doctest::Approx(1.5));
    CHECK(cues[1].end == doctest::Approx(64.25));
    CHECK(cues[1].text == "Deux & trois\nlignes");
    const auto vtt = webvtt_document(cues);
    CHECK(vtt.rfind("WEBVTT\n", 0) == 0);
    CHECK(vtt.find("00:00:01.500 --> 00:00:03.000") != std::string::npos);
    CHECK(vtt.find("L'été") != std::string::npos);
    CHECK(vtt.find("à Paris") != std::string::npos);
    CHECK(vtt.find("{\\an8}") == std::string::npos);
    CHECK(vtt.find("Deux &amp; trois") != std::string::npos);
}

TEST_CASE("bytes that only look like UTF-8 (overlong, surrogate) are read as Windows-1252") {
    // Found by subtitles_fuzz: an overlong "\xC0\xA8" passed the old check and reached the WebVTT.
    for (const std::string odd : {"caf\xC0\xA8", "caf\xED\xA0\x80", "caf\xF4\x90\x80\x80"}) {
        const auto text = to_utf8(odd);
        CHECK(text.rfind("caf", 0) == 0);
        CHECK(festival::media::valid_utf8(text));
    }
    CHECK(to_utf8("Réintégration, niño") == "Réintégration, niño");  // real UTF-8 stays as it is
}

TEST_CASE("cue times too large for an int are read without overflow") {
    // Found by subtitles_fuzz under UBSan: hours * 3600 overflowed.
    const auto cues = parse_subtitle_text("1\n624973141:00:00,000 --> 624973141:00:01,000\nLate\n");
    REQUIRE(cues.size() == 1);
    CHECK(cues[0].start == doctest::Approx(624973141.0 * 3600));
    CHECK(cues[0].end - cues[0].start == doctest::Approx(1.0));
}

TEST_CASE("WebVTT input is read too, and text that is not subtitles is refused") {
    const auto cues = parse_subtitle_text("\xEF\xBB\xBFWEBVTT\n\n01:02.000 --> 01:03.500 align:start\nHola\n");
    REQUIRE(cues.size() == 1);
    CHECK(cues[0].start == doctest::Approx(62.0));
    CHECK(cues[0].text == "Hola");
    CHECK_THROWS(parse_subtitle_text("just some notes\nno times here\n"));
}

TEST_CASE("ASS events from subtitle streams lose their header fields and tags") {
    CHECK(ass_event_text("0,0,Default,,0,0,0,,{\\i1}Hello{\\i0}\\Nworld") == "Hello\nworld");
    CHECK(normalize_language("fre") == "fr");
    CHECK(normalize_language("ENG") == "en");
    CHECK(language_name("es") == "Español");
}
