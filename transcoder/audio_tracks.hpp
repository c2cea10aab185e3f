#pragma once
// Curators' audio tracks (audio description, dubbing) to audio renditions of a version: each file is
// decoded, aligned to the film (refused when its duration differs by more than max(2 s, 1 %); a
// shorter one padded with silence, a longer one cut) and encoded as stereo AAC in audio/<id>/.
#include <optional>
#include <string>
#include <vector>

#include "transcoder/media/hls_version.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/media_probe.hpp"

namespace festival::transcoder {

struct audio_track_file {
    std::string lang;  // as the curator gave it; normalised to BCP 47 here
    std::string role;  // "description" | "dub"
    std::string name;  // "" for the default name of its role and language
    std::string path;
    int fd = -1;  // when >= 0, the track is read through this descriptor (opened before the sandbox)
};

// Why a track of `track_seconds` cannot go with a film of `film_seconds`; nullopt when it can.
std::optional<std::string> alignment_refusal(double track_seconds, double film_seconds);

// Encodes every track into `folder` (ids as audio_track_ids gives them). Throws media_error
// ("audio_misaligned", "bad_audio_track", …) naming the track at fault.
std::vector<media::hls_audio_rendition> encode_audio_tracks(const std::vector<audio_track_file>& tracks,
                                                            double film_seconds, const media::version_layout& folder,
                                                            int segment_seconds, const media_limits& limits = {});

}  // namespace festival::transcoder
