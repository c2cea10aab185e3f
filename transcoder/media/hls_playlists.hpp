#pragma once
// Playlist text for HLS (RFC 8216): the WebVTT media playlists, the master's subtitle renditions
// (hls_version.hpp writes the master itself), and the measurements they need. No file I/O here
// except reading a media playlist.
#include <cstdint>
#include <string>
#include <vector>

namespace festival::media {

struct segment_stats {
    double duration_seconds = 0;
    std::int64_t peak_bits_per_second = 0;     // the heaviest segment (with the init section)
    std::int64_t average_bits_per_second = 0;  // all segments over the whole duration
    int segments = 0;
};
// Reads a media playlist and sizes its segments (and EXT-X-MAP) on disk, relative to its folder.
segment_stats measure_media_playlist(const std::string& playlist_path);
// The files a playlist's text names, as written (relative to its folder): EXT-X-MAP and EXT-X-MEDIA
// URIs, then every URI line (segments, or a master's variant playlists).
std::vector<std::string> playlist_uris(const std::string& text);

struct subtitle_entry {
    std::string lang;  // BCP 47
    std::string name;
    std::string uri;
};

// The master playlist's EXT-X-MEDIA line for one subtitle rendition, in the group "subs".
std::string subtitle_rendition_line(const subtitle_entry& subtitle);
// A VOD media playlist with one WebVTT segment covering the film.
std::string subtitle_media_playlist(const std::string& vtt_uri, double duration_seconds);
// RFC 6381 "avc1.PPCCLL" from an H.264 SPS found in Annex B or avcC extradata; empty when none.
std::string avc_codec_string(const std::uint8_t* extradata, int size);

}  // namespace festival::media
