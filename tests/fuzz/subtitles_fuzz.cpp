// Subtitle files from curators and from masters: SRT/WebVTT in any bytes. The upload check either
// refuses them with 400 or makes valid UTF-8 WebVTT; the transcoder's reader always makes WebVTT.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/http/http_message.hpp"
#include "server/uploads/upload_subtitles.hpp"
#include "transcoder/media/subtitles.hpp"

using namespace festival;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto vtt = server::subtitles_to_webvtt(bytes);
        if (!server::is_utf8(vtt.text) || vtt.text.rfind("WEBVTT", 0) != 0 || vtt.cues <= 0) __builtin_trap();
    } catch (const server::http_error& e) {
        if (e.status() != 400) __builtin_trap();
    }
    try {
        const auto cues = media::parse_subtitle_text(media::to_utf8(bytes));
        if (cues.empty()) __builtin_trap();  // "no cue" is reported by throwing
        const auto document = media::webvtt_document(cues);
        if (document.rfind("WEBVTT", 0) != 0 || !server::is_utf8(document)) __builtin_trap();
    } catch (const std::runtime_error&) {
    }
    return 0;
}
