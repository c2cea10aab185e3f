#pragma once
// Curators' audio tracks (audio description, dubs) sent through tus with `purpose audio` in their
// Upload-Metadata, beside `film`, `language`, `role` and an optional `name`. Checked before a byte is
// read; once whole, probed as sound (`festival-transcoder probe --audio`, a sandboxed child), moved into
// data/sources/<film>/audio/, recorded, and the film's versions rebuilt with it by an audio job.
#include <atomic>
#include <map>
#include <optional>
#include <string>

#include "catalog/uploads.hpp"
#include "server/festival_app.hpp"

namespace festival::server {

struct audio_upload_fields {
    std::string lang;  // as the festival names it ("fre" → "fr")
    std::string role;  // "description" | "dub"
    std::string name;
};

// Whether decoded Upload-Metadata is an audio track's (purpose audio); 400 invalid_purpose for a
// purpose the festival does not know.
bool is_audio_upload(const std::map<std::string, std::string>& metadata);
// The track's fields; throws 400 (invalid_language, invalid_role, invalid_name) naming what is wrong.
audio_upload_fields audio_upload_fields_of(const std::map<std::string, std::string>& metadata);

// Probes the whole upload as sound. Refused: its bytes are removed, the upload ends failed with the
// probe's reason and http_error 422 is thrown. Accepted: stored as the film's track of that role and
// language (replacing the previous one), the upload done with the job that rebuilds the film's audio.
// Blocking: runs on the probe pool, like complete_upload.
catalog::upload complete_audio_upload(festival_app& app, const catalog::upload& record,
                                      const audio_upload_fields& fields, const std::atomic<bool>* stopping);

// Queues what gives the film's versions its tracks as they are now: an audio job on the current
// version (and on a pending one), or before the film has a version a transcode of its newest master
// carrying them; nothing when it has no master yet (its first job takes them). The newest job's id.
std::optional<std::int64_t> requeue_audio(festival_app& app, std::int64_t film_id);

}  // namespace festival::server
