// The lease side of the workers' jobs API: claim, heartbeat, fail, release, and the inputs' download.
// Remote workers take transcode jobs only: an audio job reuses a base version's files on the shared
// disk, which local workers have and remote ones do not.
#include <algorithm>
#include <cerrno>
#include <system_error>

#include "catalog/clock.hpp"
#include "catalog/jobs.hpp"
#include "server/http/file_cache.hpp"
#include "server/workers/input_digests.hpp"
#include "server/workers/job_inputs.hpp"
#include "server/workers/worker_api.hpp"
#include "server/workers/worker_lease.hpp"
#include "transcoder/media/version_publisher.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

// Removes the job's staging folder: its output will never be published from there.
void abandon_output(festival_app& app, const catalog::job& job) {
    media::disk_version_store store;
    media::version_publisher(app.settings->layout(), store).abandon(job.film_id, job.id);
}

}  // namespace

http_response claim_worker_job(festival_app& app, http_request& request) {
    const auto body = worker_body(request);
    const auto worker = worker_of(request, body);
    const int lease = lease_seconds_of(app, body);
    auto& db = app.catalog.local();
    // A job whose master is gone can be done by nobody: it fails for good and the next one is tried.
    for (int tries = 0; tries < 5; ++tries) {
        const auto job = catalog::claim_job(db, worker, lease, catalog::unix_now(), "transcode");
        if (!job) return http_response::no_content();
        try {
            auto inputs = describe_job_inputs(*job, app.remote_inputs);
            // A fresh, empty staging folder: what an earlier holder of the job sent is not this one's.
            media::disk_version_store store;
            media::version_publisher(app.settings->layout(), store).stage(job->film_id, job->id);
            log_event("job_claimed", {{"job", job->id}, {"film", job->film_id}, {"attempt", job->attempts}, {"worker", worker}});
            return http_response::json(200, {{"job", catalog::job_to_json(*job)}, {"inputs", std::move(inputs)},
                                             {"lease_seconds", lease}});
        } catch (const std::system_error& e) {
            if (e.code() != std::errc::no_such_file_or_directory) {
                catalog::release_job(db, job->id, worker);  // a disk that fails now may not later
                throw;
            }
            catalog::fail_job(db, job->id, worker, std::string("unreadable: an input file is missing: ") + e.what(), true);
            log_event("job_failed", {{"job", job->id}, {"error", e.what()}, {"permanent", true}});
        }
    }
    return http_response::no_content();
}

http_response worker_job_heartbeat(festival_app& app, http_request& request) {
    const auto id = worker_job_id(request);
    const auto body = worker_body(request);
    const auto worker = worker_of(request, body);
    const int lease = lease_seconds_of(app, body);
    leased_job(app, request.worker, id, worker);
    catalog::job_progress progress;
    const auto reported = body.value("progress", nlohmann::json::object());
    if (!reported.is_object()) throw http_error(400, "invalid_progress", "\"progress\" is an object {progress, fps, speed}");
    const auto number = [&](const char* name) {
        const auto found = reported.find(name);
        return found != reported.end() && found->is_number() ? found->get<double>() : 0.0;
    };
    progress.percent = std::clamp(number("progress"), 0.0, 100.0);
    progress.fps = std::max(number("fps"), 0.0);
    if (!catalog::heartbeat_job(app.catalog.local(), id, worker, progress, lease, catalog::unix_now())) lease_lost(id);
    return http_response::json(200, {{"lease_seconds", lease}});
}

http_response fail_worker_job(festival_app& app, http_request& request) {
    const auto id = worker_job_id(request);
    const auto body = worker_body(request);
    const auto worker = worker_of(request, body);
    const auto job = leased_job(app, request.worker, id, worker);
    const auto reason = body.value("reason", nlohmann::json("")).is_string() ? body.value("reason", std::string()) : "";
    if (reason.empty() || reason.size() > 4000) throw http_error(400, "invalid_reason", "\"reason\" says why, in 1 to 4000 bytes");
    const bool permanent = body.value("permanent", nlohmann::json(false)).is_boolean() && body.value("permanent", false);
    if (!catalog::fail_job(app.catalog.local(), id, worker, reason, permanent)) lease_lost(id);
    abandon_output(app, job);
    log_event("job_failed", {{"job", id}, {"error", reason}, {"permanent", permanent}, {"worker", worker}});
    return http_response::json(200, {{"job", catalog::job_to_json(*catalog::find_job(app.catalog.local(), id))}});
}

http_response release_worker_job(festival_app& app, http_request& request) {
    const auto id = worker_job_id(request);
    const auto body = worker_body(request);
    const auto worker = worker_of(request, body);
    const auto job = leased_job(app, request.worker, id, worker);
    if (!catalog::release_job(app.catalog.local(), id, worker)) lease_lost(id);
    abandon_output(app, job);
    log_event("job_released", {{"job", id}, {"worker", worker}});
    return http_response::json(200, {{"job", catalog::job_to_json(*catalog::find_job(app.catalog.local(), id))}});
}

http_response get_worker_job_input(festival_app& app, http_request& request) {
    const auto id = worker_job_id(request);
    const auto job = leased_job(app, request.worker, id);
    const auto input = find_job_input(job, request.params.at("name"));
    if (!input) throw http_error(404, "input_not_found", "job " + std::to_string(id) + " has no input " + request.params.at("name"));
    const auto file = app.files.open(input->path.parent_path().string(), input->path.filename().string());
    if (!file) throw http_error(404, "input_not_found", "the input " + input->name + " is missing on the server");
    constexpr static_text policy = "Cache-Control: no-store\r\n";
    return file_response(request, *file, policy);
}

}  // namespace festival::server
