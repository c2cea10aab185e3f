#pragma once
// What each `festival-transcoder work` is told on its command line, by whoever starts it (the server's
// supervisor, a test, an operator): one definition of these settings, their flags and their defaults.
#include <string>
#include <vector>

#include "transcoder/process/command_flags.hpp"

namespace festival::process {

struct worker_settings {
    int lease_seconds = 30;                 // a job whose worker stops renewing is claimed again after this
    std::string preset = "veryfast";        // the x264 preset
    std::string sandbox_user = "nobody";    // each transcode child's user when the worker runs as root
    int max_output_file_mb = 4096;          // per file a transcode writes
    std::string catalog;                    // the server's catalog when not <data-dir>/catalog.db (PostgreSQL)

    // "--lease-seconds 30 --preset veryfast ..." for a child's command line.
    std::vector<std::string> to_flags() const;
    // The same flags read back (absent ones keep their defaults); throws std::invalid_argument.
    static worker_settings from_flags(const command_flags& flags);
    static const std::vector<std::string>& flag_names();
};

}  // namespace festival::process
