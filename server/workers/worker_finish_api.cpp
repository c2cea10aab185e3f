// The end of a remote job: the server checks that the version the worker sent is whole (every file it
// lists here, with that size and hash; a manifest whose playlists and their segments are all listed)
// and publishes it exactly as a local worker does (catalog::publish_job_version). A worker that sent
// less, or something else, gets 422 and nothing is published; it can send what is missing and finish again.
#include <set>

#include "catalog/clock.hpp"
#include "catalog/job_publication.hpp"
#include "catalog/jobs.hpp"
#include "server/workers/output_staging.hpp"
#include "server/workers/sha256.hpp"
#include "server/workers/worker_api.hpp"
#include "server/workers/worker_lease.hpp"
#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/hls_playlists.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

namespace fs = std::filesystem;

// Checking a feature film's files takes a while: the lease is stretched so nobody takes the job meanwhile.
constexpr int checking_lease_seconds = 600;

[[noreturn]] void incomplete(const std::string& message) { throw http_error(422, "output_incomplete", message); }
[[noreturn]] void invalid_output(const std::string& message) { throw http_error(422, "output_invalid", message); }

std::map<std::string, received_file> listed_files(const nlohmann::json& body) {
    const auto found = body.find("files");
    if (found == body.end() || !found->is_array() || found->size() > output_staging::max_files)
        throw http_error(400, "invalid_files", "\"files\" lists the version's files: [{path, bytes, sha256}]");
    std::map<std::string, received_file> files;
    for (const auto& f : *found) {
        if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("bytes") ||
            !f["bytes"].is_number_unsigned() || !f.contains("sha256") || !f["sha256"].is_string())
            throw http_error(400, "invalid_files", "each file is {path, bytes, sha256}");
        const auto path = f["path"].get<std::string>();
        if (!is_valid_output_path(path)) throw http_error(400, "invalid_path", "not an output path: " + path);
        const auto sha256 = f["sha256"].get<std::string>();
        if (!is_sha256_hex(sha256)) throw http_error(400, "invalid_files", path + ": sha256 is 64 lower-case hex digits");
        files[path] = {f["bytes"].get<std::uint64_t>(), sha256};
    }
    return files;
}

// Every listed file is in the staging folder with its size and hash (read again: the disk is checked,
// not what the server noted while receiving).
void check_received(const output_staging& staging, const std::map<std::string, received_file>& files) {
    for (const auto& [path, expected] : files) {
        const auto file = staging.file(path);
        std::error_code ec;
        if (!fs::is_regular_file(file, ec)) incomplete(path + " has not been received");
        if (fs::file_size(file, ec) != expected.bytes || ec) incomplete(path + " has not the size listed");
        if (sha256_of_file(file) != expected.sha256) incomplete(path + " has not the sha256 listed");
    }
}

std::string folder_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

// version.json reads as a version; the master is the one generated from it; every playlist it names,
// and every file those name, is listed.
void check_version(const output_staging& staging, const std::map<std::string, received_file>& files) {
    const auto listed = [&](const std::string& path) { return files.contains(path); };
    if (!listed(media::version_layout::manifest_name)) invalid_output("version.json is not listed");
    media::hls_version version;
    try {
        version = media::version_from_json(nlohmann::json::parse(media::read_text_file(staging.file("version.json"))));
    } catch (const std::exception& e) {
        invalid_output(std::string("version.json is not a version: ") + e.what());
    }
    if (version.variants.empty()) invalid_output("version.json names no variant");
    if (!listed(media::version_layout::master_name) ||
        media::read_text_file(staging.file(media::version_layout::master_name)) != media::master_playlist(version))
        invalid_output("master.m3u8 is not the master version.json makes");
    std::set<std::string> playlists;
    for (const auto& v : version.variants) playlists.insert(v.uri);
    for (const auto& r : version.audio_renditions)
        if (!r.uri.empty()) playlists.insert(r.uri);
    for (const auto& lang : version.subtitle_languages) {
        playlists.insert(media::version_layout::subtitle_playlist_uri(lang));
    }
    for (const auto& playlist : playlists) {
        if (!is_valid_output_path(playlist) || !listed(playlist)) invalid_output("version.json names " + playlist + ", which is not listed");
        const auto base = folder_of(playlist);
        for (const auto& uri : media::playlist_uris(media::read_text_file(staging.file(playlist)))) {
            const auto path = base + uri;
            if (uri.find("..") != std::string::npos || !is_valid_output_path(path) || !listed(path))
                invalid_output(playlist + " names " + uri + ", which is not listed");
        }
    }
}

}  // namespace

http_response finish_worker_job(festival_app& app, http_request& request) {
    const auto id = worker_job_id(request);
    const auto body = worker_body(request);
    const auto worker = worker_of(request, body);
    auto& db = app.catalog.local();
    // A finish whose answer was lost, sent again: already done.
    if (const auto done = catalog::find_job(db, id);
        done && done->status == catalog::job_status::done && done->worker && *done->worker == worker)
        return http_response::json(200, {{"version", id}});
    const auto job = leased_job(app, request.worker, id, worker);
    const auto files = listed_files(body);
    if (!catalog::heartbeat_job(db, id, worker, {job.progress, job.fps, job.eta_seconds}, checking_lease_seconds,
                                catalog::unix_now()))
        lease_lost(id);
    const output_staging staging(app.settings->layout(), job);
    check_received(staging, files);
    check_version(staging, files);
    staging.keep_only(files);  // the notes and anything unlisted are not part of the version
    media::disk_version_store store;
    media::version_publisher publisher(app.settings->layout(), store);
    const auto result = catalog::publish_job_version(db, publisher, job.film_id, id, worker, [&] { app.refresh_availability(); });
    if (!result.published) lease_lost(id);
    log_event("job_done", {{"job", id}, {"film", job.film_id}, {"worker", worker}, {"files", files.size()}});
    for (const auto version : result.pruned) log_event("old_version_removed", {{"film", job.film_id}, {"version", version}});
    if (result.prune_error) log_event("error", {{"what", *result.prune_error}});
    return http_response::json(200, {{"version", id}});
}

}  // namespace festival::server
