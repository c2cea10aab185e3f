#pragma once
// Subtitle files sent by curators, read as curator_upload by the one subtitle reader
// (transcoder/media/subtitles.hpp) and stored as the WebVTT track it writes, so that the track is the
// same whether the film is online (re-packaged at once) or not yet (transcoded later).
#include <string>
#include <string_view>

namespace festival::server {

struct webvtt_file {
    std::string text;  // a complete WebVTT document, '\n' line ends
    int cues = 0;
};

// Converts SRT or WebVTT text to the festival's WebVTT track. Throws http_error 400 with a reason: not
// UTF-8 (subtitles_not_utf8), not text, no cue (subtitles_empty), or the block at fault (subtitles_malformed).
webvtt_file subtitles_to_webvtt(std::string_view bytes);

// The language of a request's path as the festival names it ("fre", "fra", "FR" → "fr"); throws
// http_error 400 invalid_language when it is not an ISO 639 code.
std::string language_code(const std::string& tag);

}  // namespace festival::server
