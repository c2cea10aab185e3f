// The one subtitle reader and WebVTT writer (transcoder/media/subtitles): what a track keeps, where a
// curator's upload and the transcoder's files are read differently, and that a written track reads back
// to itself, which is what makes a film's track the same whichever path it took. No disk.
#include <doctest/doctest.h>

#include <string>

#include "transcoder/media/subtitles.hpp"

using namespace festival::transcoder;
using namespace std::string_literals;

namespace {

std::string track(std::string_view bytes, const subtitle_reading& how = transcoder_file) {
    return webvtt_document(parse_subtitle_text(bytes, how));
}

std::string error_code(std::string_view bytes, const subtitle_reading& how) {
    try {
        parse_subtitle_text(bytes, how);
    } catch (const subtitle_error& e) {
        return e.code();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("cue text keeps WebVTT's markup, loses SRT's and ASS's, and escapes the rest") {
    CHECK(webvtt_cue_text("<i>un</i> <b>deux</b> <u>trois</u>") == "<i>un</i> <b>deux</b> <u>trois</u>");
    CHECK(webvtt_cue_text("<v Roger>Hé</v> <c.yellow>jaune</c> <lang en>yes</lang>") ==
          "<v Roger>Hé</v> <c.yellow>jaune</c> <lang en>yes</lang>");
    CHECK(webvtt_cue_text("<ruby>漢<rt>kan</rt></ruby> <00:00:01.500>après") == "<ruby>漢<rt>kan</rt></ruby> <00:00:01.500>après");
    CHECK(webvtt_cue_text("<I>Fort</I>") == "<i>Fort</i>");
    CHECK(webvtt_cue_text("<font color=\"#ff0\">jaune</font>{\\an8} <span>x</span><br/>") == "jaune x");
    CHECK(webvtt_cue_text("{not a tag} & <3 > 2 &amp; &#233; &#x1F3AC; &nbsp;") ==
          "{not a tag} &amp; &lt;3 &gt; 2 &amp; &#233; &#x1F3AC; &nbsp;");
    CHECK(webvtt_cue_text("Oui --> non") == "Oui --&gt; non");
    CHECK(webvtt_cue_text("<v -->x</v>") == "&lt;v --&gt;x</v>");  // "-->" in cue text ends a cue for players
    CHECK(webvtt_cue_text("{\\an8}\nligne") == "ligne");              // a line left empty would end the cue
    CHECK(webvtt_cue_text("<fo{\\b1}nt>joined</font>") == "joined");   // what a removal joins goes too
    for (const std::string text : {"<<font>i>x", "{{\\a}\\b}y", "<i <b>>z", "a &amp;amp; b"})
        CHECK(webvtt_cue_text(webvtt_cue_text(text)) == webvtt_cue_text(text));
}

TEST_CASE("an SRT file becomes cues: numbers dropped, times exact, CRLF, CR and a BOM read, sorted by start") {
    const auto cues = parse_subtitle_text("\xEF\xBB\xBF" "2\r\n00:00:03,000 --> 00:00:04,000\r\nDeux\r\n\r\n"
                                          "1\r00:00:01,000 --> 00:00:02,500 X1:10 Y1:20\rUn\r\n");
    REQUIRE(cues.size() == 2);
    CHECK(cues[0].text == "Un");
    CHECK(cues[0].id.empty());
    CHECK(cues[0].settings.empty());  // SRT's coordinates are not WebVTT settings
    CHECK(cues[0].end == doctest::Approx(2.5));
    CHECK(cues[1].start == doctest::Approx(3.0));
}

TEST_CASE("a timing line without the blank line before it starts the next cue") {
    const auto cues = parse_subtitle_text("1\n00:00:01,000 --> 00:00:02,000\nUn\n2\n00:00:03,000 --> 00:00:04,000\nDeux\n");
    REQUIRE(cues.size() == 2);
    CHECK(cues[0].text == "Un");
    CHECK(cues[1].text == "Deux");
}

TEST_CASE("cues without text or time, and WebVTT's notes and styles, are not kept") {
    CHECK(track("WEBVTT\n\nSTYLE\n::cue { color: red }\n\nREGION\nid:r\n\nNOTE a comment\n\n"
                "00:01.000 --> 00:02.000\n{\\an8}\n\n00:03.000 --> 00:03.000\nzero\n\nid\n00:04.000 --> 00:05.000 region:r\nOui\n") ==
          "WEBVTT\n\nid\n00:00:04.000 --> 00:00:05.000 region:r\nOui\n\n");
}

TEST_CASE("a curator's upload is refused with the reason, the transcoder's files are read as far as they can be") {
    const auto latin1 = "1\n00:00:01,000 --> 00:00:02,000\nL'\xe9t\xe9\n"s;
    CHECK(error_code(latin1, curator_upload) == "subtitles_not_utf8");
    CHECK(track(latin1, transcoder_file).find("L'été") != std::string::npos);

    const auto damaged = "1\n00:00:01 --> later\nhello\n\n2\n00:00:03,000 --> 00:00:04,000\nfine\n"s;
    try {
        parse_subtitle_text(damaged, curator_upload);
        FAIL("accepted");
    } catch (const subtitle_error& e) {
        CHECK(e.code() == "subtitles_malformed");
        CHECK(std::string(e.what()) == "cannot read the cue timing near \"00:00:01 --> later\"");
    }
    CHECK(parse_subtitle_text(damaged, transcoder_file).size() == 1);

    for (const auto* how : {&curator_upload, &transcoder_file}) {
        CHECK(error_code("", *how) == "subtitles_empty");
        CHECK(error_code("WEBVTT\n", *how) == "subtitles_empty");
        CHECK(error_code("1\n00:00:01,000 --> 00:00:02,000\na\0b\n"s, *how) == "subtitles_not_text");
    }
    CHECK(error_code("1\n00:00:02,000 --> 00:00:01,000\nbackwards\n", curator_upload) == "subtitles_empty");
}

TEST_CASE("times: SRT commas or WebVTT dots, hours optional in WebVTT, nothing out of range") {
    const auto cues = parse_subtitle_text("WEBVTT\n\n1:02:03.456 --> 01:02:04,000\na\n\n59:59.999 --> 99:00:00.000\nb\n");
    REQUIRE(cues.size() == 2);
    CHECK(cues[0].start == doctest::Approx(3599.999));  // sorted by start
    CHECK(vtt_timestamp(cues[0].end) == "99:00:00.000");
    CHECK(cues[1].start == doctest::Approx(3723.456));
    for (const std::string bad : {"00:60:00,000", "00:00:60,000", "00:00:01,00", "00:00:01", "1234567890:00:00,000",
                                  "0:01,000", "00:00:01,0000"}) {
        INFO(bad);
        CHECK(error_code("1\n" + bad + " --> 1000:00:00,000\nx\n", curator_upload) == "subtitles_malformed");
    }
}

TEST_CASE("a written track reads back to itself, from an upload or from the transcoder") {
    const std::string srt = "1\r\n00:00:00,500 --> 00:00:01,200\r\n<i>Bonjour</i> <font color=\"#ff0\">à tous</font>{\\an8} "
                            "& bienvenue\r\n\r\n2\r\n00:00:01,300 --> 00:00:01,900\r\n<b>Fin</b> <3\r\n";
    const auto stored = track(srt, curator_upload);
    CHECK(stored == "WEBVTT\n\n00:00:00.500 --> 00:00:01.200\n<i>Bonjour</i> à tous &amp; bienvenue\n\n"
                    "00:00:01.300 --> 00:00:01.900\n<b>Fin</b> &lt;3\n\n");
    CHECK(track(stored, curator_upload) == stored);
    CHECK(track(stored, transcoder_file) == stored);
    const std::string vtt = "WEBVTT\n\nintro\n00:01.000 --> 00:02.000 line:0 align:start\n<c.big>Hola</c> &amp; <x>adiós</x>\n";
    CHECK(track(track(vtt)) == track(vtt));
}

TEST_CASE("languages: one code per language, whatever the file or stream called it") {
    for (const std::string tag : {"fr", "FR", "fre", "fra", "Fra"}) CHECK(normalize_language(tag) == "fr");
    CHECK(normalize_language("ger") == normalize_language("deu"));
    CHECK(normalize_language("und") == "und");
    CHECK(language_name("fre") == "Français");
    CHECK(language_name("xx") == "xx");
}
