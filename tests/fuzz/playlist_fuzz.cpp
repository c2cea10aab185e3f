// HLS playlists read back from disk: the variants of a master published before version manifests, and
// a media playlist measured for its segment durations. Any text must be handled without a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "transcoder/media/hls_playlists.hpp"
#include "transcoder/media/hls_version.hpp"

using namespace festival;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    // A master read back and written again, twice, gives what doing it once gave.
    const auto once = media::master_playlist({media::variants_of_master(text), {"en", "fr"}, 1});
    if (const auto twice = media::master_playlist({media::variants_of_master(once), {"en", "fr"}, 1}); twice != once) {
        std::fprintf(stderr, "once:\n%s\ntwice:\n%s\n", once.c_str(), twice.c_str());
        __builtin_trap();
    }
    static const std::string path = "/tmp/festival-playlist-fuzz-" + std::to_string(::getpid()) + ".m3u8";
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
        try {
            const auto stats = media::measure_media_playlist(path);
            (void)stats;
        } catch (const std::exception&) {
        }
    }
    return 0;
}
