#pragma once
// Asks `festival-transcoder probe --input FILE` whether an uploaded file is a playable film (`probe
// --audio FILE`: a sound track). The
// bytes are hostile until proven otherwise, so they are parsed in that child process, never here.
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::server {

struct probe_result {
    bool playable = false;
    nlohmann::json facts;      // duration_seconds, width, height, … when playable
    std::string error_code;    // e.g. "no_video_stream", or "probe_unavailable"
    std::string error_message;
};

// Runs the probe to completion (killed after `limit`, or as soon as `*cancel` turns true: the result
// is then probe_unavailable). Blocking: call on the probe pool (upload_probe_queue).
probe_result probe_film(const std::string& transcoder, const std::string& file,
                        std::chrono::seconds limit = std::chrono::seconds(300),
                        const std::atomic<bool>* cancel = nullptr);
// The same for a curator's audio track (`probe --audio FILE`): one decodable audio stream, with its
// duration and channels in `facts`; anything else is refused with the probe's reason.
probe_result probe_audio(const std::string& transcoder, const std::string& file,
                         std::chrono::seconds limit = std::chrono::seconds(300),
                         const std::atomic<bool>* cancel = nullptr);

}  // namespace festival::server
