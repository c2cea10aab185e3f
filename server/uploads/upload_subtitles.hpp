#pragma once
// Subtitle files sent by curators, checked and turned into WebVTT before they are stored: UTF-8 text
// only, SRT converted (comma decimal → dot, WEBVTT header), WebVTT kept as it is. Pure functions.
#include <string>
#include <string_view>

namespace festival::server {

struct webvtt_file {
    std::string text;  // a complete WebVTT document, '\n' line ends
    int cues = 0;
};

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_utf8(std::string_view bytes);

// Converts SRT or WebVTT text to WebVTT. Throws http_error 400 with a reason: not UTF-8, no cue,
// or a malformed timing line.
webvtt_file subtitles_to_webvtt(std::string_view bytes);

// An ISO 639-1/639-2 code in lower case ("fr", "spa"); throws http_error 400 otherwise.
void require_language_code(const std::string& lang);

}  // namespace festival::server
