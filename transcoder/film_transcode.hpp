#pragma once
// One film to HLS: decode once, feed every rung of the ladder (video only), encode the sound once
// (the stereo rendition, also the audio-only variant, and 5.1 beside it when the film has it), encode
// the curators' audio tracks, write the master playlist, WebVTT subtitle renditions, the poster and
// the storyboard.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "transcoder/audio_tracks.hpp"
#include "transcoder/ladder.hpp"
#include "transcoder/media_probe.hpp"
#include "transcoder/rung_output.hpp"

namespace festival::transcoder {

struct subtitle_file {
    std::string lang;
    std::string path;
    std::optional<std::string> text;  // the file's bytes when read beforehand (a sandboxed child cannot open it)
};

struct transcode_progress {
    double percent = 0;
    double fps = 0;
    std::optional<double> eta_seconds;
};

struct transcode_options {
    std::string input;
    int input_fd = -1;  // when >= 0, `input` is read through this descriptor, opened before the sandbox
    std::filesystem::path work_dir;  // created, or given empty
    std::vector<subtitle_file> subtitles;
    std::vector<audio_track_file> audio_tracks;
    std::vector<int> ladder = default_ladder();
    encoder_settings encoding;
    media_limits limits;
    std::function<void(const transcode_progress&)> on_progress;  // about once a second
    std::function<void(const media_info&)> on_probed;  // once the input is known to be a film
};

struct transcode_summary {
    media_info source;
    std::vector<rung> rungs;
    std::vector<std::string> subtitle_languages;
    std::vector<std::string> audio_renditions;  // ids
    nlohmann::json to_json() const;
};

// Throws media_error when the input is not a film, or another exception. A cancelled job's worker
// kills the process running this.
transcode_summary transcode_film(const transcode_options& options);

// Writes `options.work_dir`'s content to `final_dir` atomically: transcodes into a hidden sibling
// folder, then renames it. Partial output is removed on failure.
transcode_summary transcode_and_publish(transcode_options options, const std::filesystem::path& final_dir);

}  // namespace festival::transcoder
