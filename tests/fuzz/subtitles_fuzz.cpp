// Subtitle files from curators and from masters: SRT/WebVTT in any bytes. The upload check either
// refuses them with 400 or makes valid UTF-8 WebVTT; the transcoder's reader always makes WebVTT. A
// track, read again either way, is written back byte for byte (a film's track does not depend on
// whether it was re-packaged or transcoded).
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/http/http_message.hpp"
#include "server/uploads/upload_subtitles.hpp"
#include "transcoder/media/subtitles.hpp"
#include "transcoder/media/utf8.hpp"

using namespace festival;

namespace {

void require_same_when_read_again(const std::string& track) {
    if (track.rfind("WEBVTT", 0) != 0 || !media::valid_utf8(track)) __builtin_trap();
    for (const auto& how : {transcoder::curator_upload, transcoder::transcoder_file})
        if (transcoder::webvtt_document(transcoder::parse_subtitle_text(track, how)) != track) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        const auto vtt = server::subtitles_to_webvtt(bytes);
        if (vtt.cues <= 0) __builtin_trap();
        require_same_when_read_again(vtt.text);
    } catch (const server::http_error& e) {
        if (e.status() != 400) __builtin_trap();
    }
    try {
        const auto cues = transcoder::parse_subtitle_text(bytes, transcoder::transcoder_file);
        if (cues.empty()) __builtin_trap();  // "no cue" is reported by throwing
        require_same_when_read_again(transcoder::webvtt_document(cues));
    } catch (const transcoder::subtitle_error&) {
    }
    return 0;
}
