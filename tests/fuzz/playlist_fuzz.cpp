// HLS playlists read back from disk: the master rewritten with new subtitle renditions, and a media
// playlist measured for its segment durations. Any text must be handled without a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "server/uploads/upload_repackage.hpp"
#include "transcoder/media/hls_playlists.hpp"

using namespace festival;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    // Rewriting a master's subtitle renditions twice gives what rewriting it once gave.
    const auto master = server::master_with_subtitles(text, {"fr", "en"});
    if (const auto again = server::master_with_subtitles(master, {"fr", "en"}); again != master) {
        std::fprintf(stderr, "once:\n%s\ntwice:\n%s\n", master.c_str(), again.c_str());
        __builtin_trap();
    }
    static const std::string path = "/tmp/festival-playlist-fuzz-" + std::to_string(::getpid()) + ".m3u8";
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
        try {
            const auto stats = transcoder::measure_media_playlist(path);
            (void)stats;
        } catch (const std::exception&) {
        }
    }
    return 0;
}
