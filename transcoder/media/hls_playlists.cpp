#include "transcoder/media/hls_playlists.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace festival::media {
namespace {

std::string quoted_attribute(const std::string& line, const std::string& name) {
    const auto key = line.find(name + "=\"");
    if (key == std::string::npos) return "";
    const auto start = key + name.size() + 2;
    return line.substr(start, line.find('"', start) - start);
}

std::string hex2(unsigned v) {
    char buffer[3];
    std::snprintf(buffer, sizeof buffer, "%02x", v & 0xFF);
    return buffer;
}

}  // namespace

segment_stats measure_media_playlist(const std::string& playlist_path) {
    namespace fs = std::filesystem;
    std::ifstream in(playlist_path);
    if (!in) throw std::runtime_error("cannot read " + playlist_path);
    const fs::path folder = fs::path(playlist_path).parent_path();
    segment_stats stats;
    std::int64_t init_bytes = 0, total_bytes = 0;
    double pending_duration = -1, peak = 0;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("#EXT-X-MAP:", 0) == 0) {
            init_bytes = static_cast<std::int64_t>(fs::file_size(folder / quoted_attribute(line, "URI")));
            total_bytes += init_bytes;
        } else if (line.rfind("#EXTINF:", 0) == 0) {
            pending_duration = std::stod(line.substr(8));
        } else if (!line.empty() && line[0] != '#' && pending_duration >= 0) {
            const auto bytes = static_cast<std::int64_t>(fs::file_size(folder / line));
            total_bytes += bytes;
            stats.duration_seconds += pending_duration;
            ++stats.segments;
            // A player starting at this segment also loads the init section.
            if (pending_duration > 0.5) peak = std::max(peak, (bytes + init_bytes) * 8.0 / pending_duration);
            else if (stats.segments == 1) peak = std::max(peak, (bytes + init_bytes) * 8.0 / 0.5);
            pending_duration = -1;
        }
    }
    if (stats.segments == 0 || stats.duration_seconds <= 0) throw std::runtime_error(playlist_path + " has no segment");
    stats.average_bits_per_second = static_cast<std::int64_t>(std::llround(total_bytes * 8.0 / stats.duration_seconds));
    stats.peak_bits_per_second = std::max(stats.average_bits_per_second, static_cast<std::int64_t>(std::llround(peak)));
    return stats;
}

std::vector<std::string> playlist_uris(const std::string& text) {
    std::vector<std::string> uris;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("#EXT-X-MAP:", 0) == 0 || line.rfind("#EXT-X-MEDIA:", 0) == 0) {
            if (auto uri = quoted_attribute(line, "URI"); !uri.empty()) uris.push_back(std::move(uri));
        } else if (!line.empty() && line[0] != '#') {
            uris.push_back(line);
        }
    }
    return uris;
}

std::string subtitle_rendition_line(const subtitle_entry& s) {
    return "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"" + s.lang + "\",NAME=\"" + s.name +
           "\",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI=\"" + s.uri + "\"\n";
}

std::string subtitle_media_playlist(const std::string& vtt_uri, double duration_seconds) {
    char extinf[64];
    std::snprintf(extinf, sizeof extinf, "#EXTINF:%.3f,\n", duration_seconds);
    return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:" +
           std::to_string(static_cast<long long>(std::ceil(duration_seconds))) +
           "\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n" + extinf + vtt_uri + "\n#EXT-X-ENDLIST\n";
}

std::string avc_codec_string(const std::uint8_t* data, int size) {
    if (!data || size < 4) return "";
    if (data[0] == 1 && size >= 4)  // avcC: version, profile, compatibility, level
        return "avc1." + hex2(data[1]) + hex2(data[2]) + hex2(data[3]);
    for (int i = 0; i + 4 < size; ++i) {
        if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 && (data[i + 3] & 0x1F) == 7 && i + 6 < size)
            return "avc1." + hex2(data[i + 4]) + hex2(data[i + 5]) + hex2(data[i + 6]);
    }
    return "";
}

}  // namespace festival::media
