#pragma once
// Jobs: queued -> running -> done | failed | cancelled. A transcode job makes a version from a master;
// an audio job makes one from a base version's video files (reused, not re-encoded) and audio tracks. A worker claims a job with a lease it
// renews by heartbeat; a job whose lease ran out (its worker died) can be claimed again. Every claim
// counts as an attempt; after `max_attempts` the job stays failed with its reason.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::catalog {

class database;

struct subtitle_source {
    std::string lang;
    std::string path;
};

// A curator's audio track, aligned to the film (see docs/audio.md).
struct audio_track_source {
    std::int64_t id = 0;
    std::string lang;
    std::string role;  // "description" | "dub"
    std::string name;
    std::string path;  // absolute file the curator uploaded
};

enum class job_status { queued, running, done, failed, cancelled };
// The status as the catalog stores it and the API shows it.
const char* to_string(job_status s);
std::optional<job_status> job_status_from_string(const std::string& text);

struct job {
    std::int64_t id = 0;
    std::int64_t film_id = 0;
    std::string kind = "transcode";  // "transcode" | "audio"
    std::string source_path;         // an audio job's: its base version's master (decides current or pending)
    std::vector<subtitle_source> subtitles;
    std::optional<std::int64_t> base_version;  // audio jobs: the version whose video files are reused
    std::vector<audio_track_source> audio_tracks;
    job_status status = job_status::queued;
    double progress = 0;  // percent, 0..100
    double fps = 0;
    std::optional<double> eta_seconds;
    int attempts = 0;
    std::optional<std::string> error;
    std::optional<std::string> worker;
    std::optional<std::int64_t> lease_until;  // unix seconds
    std::string created_at;
    std::string updated_at;

    bool finished() const {
        return status == job_status::done || status == job_status::failed || status == job_status::cancelled;
    }
};

constexpr int max_attempts = 3;

// Transcode jobs also carry the film's audio tracks, so a new master keeps them.
std::int64_t enqueue_job(database& db, std::int64_t film_id, const std::string& source_path,
                         const std::vector<subtitle_source>& subtitles,
                         const std::vector<audio_track_source>& audio_tracks = {});
// A new version = base_version's video files reused (hard links, no re-encoding) + the audio renditions
// rebuilt with these tracks. Finished like any job (current version, or pending for a published film:
// same rules). Throws not_found when the film or its finished base version does not exist.
std::int64_t enqueue_audio_job(database& db, std::int64_t film_id, std::int64_t base_version,
                               const std::vector<audio_track_source>& audio_tracks);
std::optional<job> find_job(database& db, std::int64_t id);
// A film's jobs, newest first.
std::vector<job> list_film_jobs(database& db, std::int64_t film_id);
// The newest job of each of these films that has one, by film id, in one query.
std::map<std::int64_t, job> latest_jobs(database& db, const std::vector<std::int64_t>& film_ids);

// Atomically takes the oldest queued job, or a running one whose lease expired, for `worker`.
// Jobs whose worker died on their last allowed attempt are marked failed instead. `only_kind` ("transcode"):
// only jobs of that kind (workers on other hosts have no shared disk for audio jobs); empty: any.
std::optional<job> claim_job(database& db, const std::string& worker, int lease_seconds, std::int64_t now,
                             const std::string& only_kind = "");

struct job_progress {
    double percent = 0;
    double fps = 0;
    std::optional<double> eta_seconds;
};
// Renews the lease and records progress. False when the job is no longer this worker's (cancelled,
// or its lease expired and another worker took it): the worker must stop.
bool heartbeat_job(database& db, std::int64_t id, const std::string& worker, const job_progress& progress,
                   int lease_seconds, std::int64_t now);
// Marks the job done and places its version, in one transaction: current (unless a newer version
// already is), or pending when it is a new master for a published film (see films.hpp's
// publish_pending_version). False when the job is no longer this worker's.
bool finish_job(database& db, std::int64_t id, const std::string& worker);
// Records a failed attempt: back to queued with the reason, or failed for good after max_attempts
// (or at once when `permanent`, e.g. the source is not a film). False when not this worker's.
bool fail_job(database& db, std::int64_t id, const std::string& worker, const std::string& reason, bool permanent);
// Gives a running job back to the queue without counting the attempt (the worker is shutting down).
bool release_job(database& db, std::int64_t id, const std::string& worker);
// Cancels a queued or running job; throws not_found, or conflict when it already finished.
job cancel_job(database& db, std::int64_t id);

nlohmann::json job_to_json(const job& j);

// The jobs table in figures (the server's metrics): jobs by status, every status present, and the
// transcoders' speed in frames per second of work as their heartbeats report it: summed over the
// running jobs, and the mean final speed of the last 20 done jobs (nullopt before any).
struct job_queue_figures {
    std::map<job_status, std::int64_t> by_status;
    double running_fps = 0;
    std::optional<double> recent_done_fps;
};
job_queue_figures job_queue_summary(database& db);

}  // namespace festival::catalog
