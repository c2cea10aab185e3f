#pragma once
// The jobs API of transcoder workers on other hosts (docs/workers.md, docs/api.md "Workers"): every
// route under /api/worker/, reached only with a worker's bearer token (the dispatcher checks it and
// puts the token's name in request.worker).
#include <cstddef>
#include <memory>

#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"
#include "server/http/router.hpp"

namespace festival::server {

// POST /api/worker/jobs/claim {"worker","lease_seconds"}: 200 {"job","inputs","lease_seconds"}, or 204.
http_response claim_worker_job(festival_app& app, http_request& request);
// POST /api/worker/jobs/{id}/heartbeat {"worker","progress":{"progress","fps","speed"}}: 200 {"lease_seconds"}.
http_response worker_job_heartbeat(festival_app& app, http_request& request);
// POST /api/worker/jobs/{id}/fail {"worker","reason","permanent"} and …/release {"worker"}.
http_response fail_worker_job(festival_app& app, http_request& request);
http_response release_worker_job(festival_app& app, http_request& request);
// GET /api/worker/jobs/{id}/inputs/{name}: the file, with Range for resuming.
http_response get_worker_job_input(festival_app& app, http_request& request);

// GET /api/worker/jobs/{id}/output: {"files":{"<path>":{"bytes","sha256"}}} received so far.
http_response get_worker_job_output(festival_app& app, http_request& request);
// PUT /api/worker/jobs/{id}/output/{path...}: one output file, streamed to the staging folder: 201.
std::unique_ptr<body_sink> open_worker_output(festival_app& app, http_request& request);
// POST /api/worker/jobs/{id}/finish {"worker","files":[{"path","bytes","sha256"}]}: checked, then
// published: 200 {"version"}; 422 output_incomplete / output_invalid.
http_response finish_worker_job(festival_app& app, http_request& request);

// A finish names every file of a version: about 150 bytes each, tens of thousands for a feature film.
inline constexpr std::size_t worker_finish_body_limit = 16 * 1024 * 1024;
// The largest output file a worker may send: the transcoders' own limit per file.
std::size_t worker_output_body_limit(const config& settings);

}  // namespace festival::server
