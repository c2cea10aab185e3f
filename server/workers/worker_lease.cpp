#include "server/workers/worker_lease.hpp"

#include <charconv>
#include <regex>

#include "catalog/clock.hpp"

namespace festival::server {

std::int64_t worker_job_id(const http_request& request) {
    const auto& text = request.params.at("id");
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
        throw http_error(404, "job_not_found", "no job " + text);
    return id;
}

nlohmann::json worker_body(const http_request& request) {
    if (request.body.empty()) return nlohmann::json::object();
    auto body = request.json_body();
    if (!body.is_object()) throw http_error(400, "invalid_body", "the body is a JSON object");
    return body;
}

std::string worker_of(const http_request& request, const nlohmann::json& body) {
    // The host label shows in the jobs' "worker" for organizers: printable, short, and no '/'.
    static const std::regex host_label("[A-Za-z0-9._:@-]{1,128}");
    const auto found = body.find("worker");
    if (found == body.end() || !found->is_string() || !std::regex_match(found->get<std::string>(), host_label))
        throw http_error(400, "invalid_worker",
                         "\"worker\" names the worker's host: 1 to 128 letters, digits, '.', '_', ':', '@' or '-'");
    return request.worker + "/" + found->get<std::string>();
}

int lease_seconds_of(const festival_app& app, const nlohmann::json& body) {
    const auto found = body.find("lease_seconds");
    if (found == body.end() || found->is_null()) return app.settings->worker.lease_seconds;
    if (!found->is_number_integer() || found->get<std::int64_t>() < 1 || found->get<std::int64_t>() > 3600)
        throw http_error(400, "invalid_lease", "\"lease_seconds\" is a whole number from 1 to 3600");
    return found->get<int>();
}

void lease_lost(std::int64_t id) {
    throw http_error(409, "lease_lost",
                     "job " + std::to_string(id) + " is no longer leased to this worker (cancelled, lease run out or taken over)");
}

catalog::job leased_job(festival_app& app, const std::string& token_name, std::int64_t id, const std::string& worker) {
    auto job = catalog::find_job(app.catalog.local(), id);
    if (!job) throw http_error(404, "job_not_found", "no job " + std::to_string(id));
    const bool ours = job->worker && (worker.empty() ? job->worker->starts_with(token_name + "/") : *job->worker == worker);
    // A lease that ran out is lost even before another worker takes the job: it may be claimed at any
    // moment, so its worker must not go on writing.
    if (job->status != catalog::job_status::running || !ours || !job->lease_until || *job->lease_until < catalog::unix_now())
        lease_lost(id);
    return *job;
}

}  // namespace festival::server
