#pragma once
// What a process that parses hostile media may use. Soft and hard limits are both lowered, so the
// process cannot raise them back; a limit already lower is kept.
#include <sys/resource.h>

namespace festival::process {

struct resource_caps {
    rlim_t address_space_bytes = RLIM_INFINITY;  // thread stacks and malloc arenas count too
    rlim_t cpu_seconds = RLIM_INFINITY;          // SIGXCPU, then SIGKILL five seconds later
    rlim_t file_size_bytes = RLIM_INFINITY;      // per file written; beyond it a write fails (EFBIG)
    rlim_t open_files = RLIM_INFINITY;
    // Always: no core files (a crash must not write the hostile input's memory to disk).
};

// Applies `caps` to the calling process; throws std::system_error when a limit cannot be set.
void apply_caps(const resource_caps& caps);

// Lowers one limit (soft `value`, hard `hard` or `value`); throws std::system_error on failure.
void lower_limit(int resource, rlim_t value, rlim_t hard = RLIM_INFINITY);

}  // namespace festival::process
