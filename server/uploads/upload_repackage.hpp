#pragma once
// New subtitles for a film that is already online, without re-encoding: the published version's
// files are hard-linked into a new version folder, the subtitle playlists are written beside them and
// the version's manifest and master playlist are written anew; then that version is published by the
// same publisher as a transcoder job's (it is recorded as a job the server itself ran). Viewers
// mid-film keep the old one for the grace period; versions older than that are pruned.
#include <cstdint>
#include <optional>
#include <string>

#include "server/festival_app.hpp"

namespace festival::server {

// Publishes the film's current media again with exactly the stored subtitles (data/sources/<film>/
// subtitles/*.vtt) plus the ones the current version took from the master itself, minus `dropped`.
// Returns the new version's job id; nullopt when the film has no published media yet. Throws
// http_error / std::exception on failure, after marking the job failed.
std::optional<std::int64_t> repackage_subtitles(festival_app& app, std::int64_t film_id,
                                                const std::optional<std::string>& dropped = std::nullopt);

}  // namespace festival::server
