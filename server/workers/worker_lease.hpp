#pragma once
// What every worker route checks first: which job, which worker, and whether the job's lease is still
// that worker's. A worker is "<token name>/<host label>" in the jobs table, so a token's jobs are
// known whichever host runs them.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/jobs.hpp"
#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {

// The {id} of the route; 404 job_not_found when it is not a job id.
std::int64_t worker_job_id(const http_request& request);
// The request's JSON body ({} when empty); 400 when malformed or not an object.
nlohmann::json worker_body(const http_request& request);
// "<token name>/<host label>" from the body's "worker"; 400 invalid_worker when missing or malformed.
std::string worker_of(const http_request& request, const nlohmann::json& body);
// The body's "lease_seconds" (1 to 3600), else the server's job-lease-seconds.
int lease_seconds_of(const festival_app& app, const nlohmann::json& body);

// The job, running and leased (its lease not run out) to `worker` ("name/host"), or with an empty
// `worker` to any host of the token `token_name`. 404 job_not_found, 409 lease_lost otherwise.
catalog::job leased_job(festival_app& app, const std::string& token_name, std::int64_t id, const std::string& worker = "");
[[noreturn]] void lease_lost(std::int64_t id);

}  // namespace festival::server
