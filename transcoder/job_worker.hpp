#pragma once
// `festival-transcoder work`: claims jobs forever, from the catalog (a local worker, publishing by
// renaming .tmp-<job> to v<job>) or from the server's worker API (a remote worker: inputs downloaded,
// the version uploaded). Each job is transcoded in a forked child with resource limits (hostile media
// can crash only that child), while this process renews the lease and reports progress.
#include <cstdint>
#include <string>

#include "transcoder/remote/remote_job_source.hpp"
#include "transcoder/rung_output.hpp"

namespace festival::transcoder {

struct worker_options {
    std::string data_dir;
    std::string catalog;  // local workers: a SQLite file or PostgreSQL URL; "" = <data_dir>/catalog.db
    remote::remote_options remote;  // remote workers: set `remote.server` (then data_dir and catalog go unused)
    std::string worker_id;
    int lease_seconds = 30;
    int idle_poll_ms = 1000;
    bool once = false;  // stop when the queue is empty
    encoder_settings encoding;
    std::uint64_t max_output_file_bytes = std::uint64_t(4) << 30;  // per file a transcode writes
    // When the worker runs as root, each transcode child runs as this user; "" keeps the worker's.
    std::string sandbox_user = "nobody";
};

// Returns the exit code: 0 after SIGTERM/SIGINT (a running job is given back to the queue) or when
// the parent process is gone. Throws worker_refused when the server refuses the worker's token.
int run_worker(const worker_options& options);

}  // namespace festival::transcoder
