#pragma once
// What happens once every byte of an upload has arrived: probe it in a child process; a film moves
// to data/sources/<film>/ and gets a transcode job; anything else keeps its bytes and its reason.
// Audio tracks (`purpose audio`) go to upload_audio.
#include <atomic>
#include <vector>

#include "catalog/jobs.hpp"
#include "catalog/uploads.hpp"
#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {

// Records the outcome on the upload. Throws http_error 422 with the probe's reason when the file is
// not a playable film (the upload stays, status failed, until it expires or is deleted). Blocking for
// as long as the probe runs: call it on the probe pool (upload_probe_queue). When `*stopping` turns
// true the probe is stopped and nothing is recorded (the next start probes the upload again).
catalog::upload complete_upload(festival_app& app, const catalog::upload& record,
                                const std::atomic<bool>* stopping = nullptr);

// The extension of the curator's file name, if it is a plain one (".mp4", ".mov" …), else ".bin".
std::string safe_extension(const std::string& filename);

// Subtitles stored for a film (data/sources/<film>/subtitles/<lang>.vtt), for the next job.
std::vector<catalog::subtitle_source> stored_subtitles(festival_app& app, std::int64_t film_id);

}  // namespace festival::server
