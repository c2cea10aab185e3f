#pragma once
// Playlist text for HLS (RFC 8216): the master playlist we write ourselves, the WebVTT media
// playlists, and the measurements they need. No file I/O here except reading a media playlist.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace festival::transcoder {

struct segment_stats {
    double duration_seconds = 0;
    std::int64_t peak_bits_per_second = 0;     // the heaviest segment (with the init section)
    std::int64_t average_bits_per_second = 0;  // all segments over the whole duration
    int segments = 0;
};
// Reads a media playlist and sizes its segments (and EXT-X-MAP) on disk, relative to its folder.
segment_stats measure_media_playlist(const std::string& playlist_path);

struct variant_entry {
    std::string uri;  // relative to the master playlist
    int width = 0, height = 0;
    double frame_rate = 0;
    std::string codecs;  // "avc1.64001f,mp4a.40.2"
    segment_stats stats;
};

struct subtitle_entry {
    std::string lang;  // BCP 47
    std::string name;
    std::string uri;
};

std::string master_playlist(const std::vector<variant_entry>& variants, const std::vector<subtitle_entry>& subtitles);
// The master playlist's EXT-X-MEDIA line for one subtitle rendition, in the group "subs".
std::string subtitle_rendition_line(const subtitle_entry& subtitle);
// A VOD media playlist with one WebVTT segment covering the film.
std::string subtitle_media_playlist(const std::string& vtt_uri, double duration_seconds);
// RFC 6381 "avc1.PPCCLL" from an H.264 SPS found in Annex B or avcC extradata; empty when none.
// Writes a small file (a playlist, a WebVTT file) whole or throws: a full disk must fail the
// transcode, not leave an empty master.m3u8 to be published.
void write_text_file(const std::string& path, std::string_view text);

std::string avc_codec_string(const std::uint8_t* extradata, int size);

}  // namespace festival::transcoder
