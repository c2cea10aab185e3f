#pragma once
// Resumable uploads of film masters: the durable record of how many bytes of each upload are safely
// on disk (the offset a client resumes from), who sent it, for which film, and how it ended.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/jobs.hpp"

namespace festival::catalog {

class database;

enum class upload_status { receiving, done, failed };
// The status as the catalog stores it and the API shows it.
const char* to_string(upload_status s);
std::optional<upload_status> upload_status_from_string(const std::string& text);

struct upload {
    std::string id;  // 32 hex digits, unguessable: it names the upload in URLs
    std::int64_t film_id = 0;
    std::int64_t user_id = 0;
    std::int64_t length = 0;
    std::int64_t offset = 0;   // bytes fsync'd to disk and acknowledged
    std::string metadata;      // the Upload-Metadata header as received
    std::string filename;
    upload_status status = upload_status::receiving;
    std::optional<std::string> error;  // why a complete upload was refused (not a film …)
    std::optional<std::int64_t> job_id;  // the transcode job queued for it
    std::optional<std::string> last_checksum;  // "sha1 <base64>" of the last verified PATCH
    std::int64_t expires_at = 0;  // unix seconds; an unfinished upload is removed after this
    std::string created_at;
    std::string updated_at;
};

// Stores a new upload; throws conflict when the id exists.
void create_upload(database& db, const upload& u);
std::optional<upload> find_upload(database& db, const std::string& id);
// Records a new durable offset and pushes the expiry back (activity keeps an upload alive).
void record_upload_offset(database& db, const std::string& id, std::int64_t offset, std::int64_t expires_at,
                          const std::optional<std::string>& checksum);
// Records how a complete upload ended: done (with its job) or failed (with the reason).
void finish_upload(database& db, const std::string& id, upload_status status,
                   const std::optional<std::string>& error, std::optional<std::int64_t> job_id);
void delete_upload(database& db, const std::string& id);
// Uploads past their expiry that never finished, or failed ones past expiry: the cleaner's work.
std::vector<upload> list_expired_uploads(database& db, std::int64_t now);
// Uploads whose every byte was stored but whose outcome was never recorded (the server stopped
// between the last byte and the probe): they still need probing and a job.
std::vector<upload> list_unprocessed_complete_uploads(database& db);
// Bytes still to arrive for every unfinished, unexpired upload except `except_id`: the disk space
// those uploads were promised when they were accepted.
std::int64_t reserved_upload_bytes(database& db, std::int64_t now, const std::string& except_id);
// A film's uploads, newest first.
std::vector<upload> list_film_uploads(database& db, std::int64_t film_id);

nlohmann::json upload_to_json(const upload& u);

// A job the server performs itself (re-packaging subtitles, no transcoder involved): queued and taken
// by `worker` in one transaction, so no transcoder can claim it; finish or fail it with jobs.hpp.
std::int64_t start_server_job(database& db, std::int64_t film_id, const std::string& source_path,
                              const std::vector<subtitle_source>& subtitles, const std::string& worker,
                              std::int64_t lease_until);

}  // namespace festival::catalog
