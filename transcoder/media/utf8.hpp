#pragma once
// The one check of UTF-8 in the festival: viewers' text, uploaded subtitles, the transcoder's text.
#include <string_view>

namespace festival::media {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view text);

}  // namespace festival::media
