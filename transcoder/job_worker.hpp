#pragma once
// `festival-transcoder work`: claims jobs from the catalog forever. Each job is transcoded in a forked
// child with resource limits (hostile media can crash only that child), while this process renews
// the lease, records progress, and publishes the result by renaming .tmp-<job> to v<job>.
#include <cstdint>
#include <string>

#include "transcoder/rung_output.hpp"

namespace festival::transcoder {

struct worker_options {
    std::string data_dir;
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
// the parent process is gone.
int run_worker(const worker_options& options);

}  // namespace festival::transcoder
