#pragma once
// Jobs from the server's worker API (/api/worker/…), for workers on hosts with neither the catalog nor
// the shared data folder: claim, inputs downloaded into the work folder (resumed with Range, checked
// by SHA-256), the lease kept by a heartbeat thread, the version uploaded (only what the server lacks)
// and finished. Network errors are retried with backoff a bounded number of times; a lost lease
// (409 lease_lost) abandons the job and its files; each job's folder is removed when it ends.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace festival::transcoder {
class job_source;
}

namespace festival::transcoder::remote {

struct remote_options {
    std::string server;    // "https://festival.example" (no trailing path)
    std::string token;     // the worker token (`festival worker add NAME`)
    std::string work_dir;  // local scratch: job-<id>/inputs, job-<id>/output
    int max_tries = 6;     // per request, network errors and 5xx answers
    int first_backoff_ms = 500;
};

// The server refused the token (401/403): retrying cannot help, the worker exits.
class worker_refused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::unique_ptr<job_source> make_remote_job_source(const remote_options& options, const std::string& worker,
                                                   int lease_seconds, std::function<bool()> stop_requested);

}  // namespace festival::transcoder::remote
