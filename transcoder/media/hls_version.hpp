#pragma once
// One published HLS version as data: its variants (one per rung), its audio renditions and its
// subtitle languages. It is
// written as a small manifest (version.json) beside the master playlist, and the master playlist is
// generated from it, never patched as text. Versions published before the manifest existed are read
// back from their folder (the master's variants, the rungs' playlists, subtitles/*.vtt).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "transcoder/media/media_layout.hpp"

namespace festival::media {

struct hls_variant {
    std::string uri;                     // the rung's media playlist, relative to the master
    std::int64_t bandwidth = 0;          // peak bits per second (BANDWIDTH)
    std::int64_t average_bandwidth = 0;  // AVERAGE-BANDWIDTH; 0 when not stated
    int width = 0, height = 0;           // RESOLUTION; 0 when not stated
    std::string codecs;                  // CODECS ("avc1.64001f,mp4a.40.2"); empty when not stated
    double frame_rate = 0;               // FRAME-RATE; 0 when not stated
    bool operator==(const hls_variant&) const = default;
};

// A sound of the film, in audio/<id>/index.m3u8 (fMP4 AAC 48 kHz, segments aligned to the video's).
// "original" is the film's own stereo, also the audio-only variant; in versions whose rungs carry
// the sound (sound_in_rungs), the master lists it without URI.
struct hls_audio_rendition {
    std::string id;        // "original", "original-51", "description-fr", "dub-de", "dub-de-2"
    std::string name;      // NAME in the master ("Audio description (fr)")
    std::string language;  // BCP 47, "und" when unknown
    std::string role;      // "original" | "original-51" | "description" | "dub"
    int channels = 2;
    std::string uri;  // "audio/<id>/index.m3u8", relative to the master
    std::int64_t bandwidth = 0;
    std::int64_t average_bandwidth = 0;
    std::string codecs = "mp4a.40.2";
    bool operator==(const hls_audio_rendition&) const = default;
};

// The ids of curators' tracks in order, from (role, language) pairs: "description-fr", "dub-de",
// and "dub-de-2" for a second track of the same role and language.
std::vector<std::string> audio_track_ids(const std::vector<std::pair<std::string, std::string>>& roles_and_languages);
// The renditions' names for a role and language ("Audio description (fr)", "Original (5.1)").
std::string audio_rendition_name(const std::string& role, const std::string& language);

struct hls_version {
    std::vector<hls_variant> variants;
    std::vector<std::string> subtitle_languages;  // sorted, each at subtitles/<lang>.m3u8 and <lang>.vtt
    double duration_seconds = 0;                  // the film's, for the subtitle playlists
    std::vector<hls_audio_rendition> audio_renditions = {};  // empty for versions made before renditions
    // Versions made before the video-only rungs carry the film's stereo in every rung (muxed): their
    // master keeps that layout. New versions' rungs are video only and every sound is a rendition.
    bool sound_in_rungs = true;
    bool operator==(const hls_version&) const = default;
};

// The master playlist (RFC 8216) listing the variants and, in the group "subs", the subtitles; with
// audio renditions, the group "audio" on every video variant (whose CODECS then name the group's
// audio codec too when the rungs are video only) and the audio-only variant.
std::string master_playlist(const hls_version& version);

nlohmann::json version_to_json(const hls_version& version);
// Throws std::invalid_argument (or nlohmann::json::exception) on a manifest of another shape.
hls_version version_from_json(const nlohmann::json& manifest);

// The variants a master playlist lists, with the attributes we write (others are dropped).
std::vector<hls_variant> variants_of_master(const std::string& master);

// The version in `folder`: its manifest, or for a folder published before manifests, what its files
// say. Throws std::runtime_error when neither can be read.
hls_version read_version(const version_layout& folder);

// Writes the manifest and the master playlist generated from it (not fsync'd: publishing syncs the tree).
void write_version(const version_layout& folder, const hls_version& version);

}  // namespace festival::media
