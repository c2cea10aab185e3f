// The probe on arbitrary bytes, with the same whitelists (formats, protocols, codecs) and limits as
// `festival-transcoder probe`. scripts/fuzz runs it with libFuzzer's memory and time limits, which
// stand for the probe child's rlimits.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

extern "C" {
#include <libavutil/log.h>
}

#include "transcoder/media_probe.hpp"

using namespace festival::transcoder;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = [] {
        av_log_set_level(AV_LOG_QUIET);
        return "/tmp/festival-probe-fuzz-" + std::to_string(::getpid()) + ".bin";
    }();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        const auto info = probe_media(path);
        if (info.video_stream < 0 || info.display_width <= 0 || info.display_height <= 0) __builtin_trap();
    } catch (const media_error&) {
    }
    return 0;
}
