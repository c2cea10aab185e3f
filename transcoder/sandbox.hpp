#pragma once
// The cage a process enters before it parses hostile media (probe, transcode): when started as root
// it becomes an unprivileged user, then no_new_privs and a seccomp filter that refuses (EPERM) every
// way out: sockets, exec, new processes (threads stay allowed), ptrace and other processes' memory,
// signals to other processes, mounts, namespaces, kernel modules, keyrings, bpf. Files stay: the
// transcoder reads its input and writes its output folder.
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "transcoder/process/resource_limits.hpp"

namespace festival::transcoder {

struct sandbox_options {
    // When running as root, switch to this user (and its group) first; "" keeps the current user.
    std::string user = "nobody";
};

struct sandbox_identity {
    uid_t uid;
    gid_t gid;
};
// The user and group `user` stands for; throws std::runtime_error when there is none, or it is root.
// Looked up before the sandbox (NSS may open sockets to nscd or sssd).
sandbox_identity find_sandbox_user(const std::string& user);

// Enters the sandbox for good. Throws std::runtime_error when a step fails: media is never parsed
// outside it.
void enter_sandbox(const sandbox_options& options = {});

// The limits of each kind of media process, in one place. A probe: 4 GiB of address space, a minute
// of CPU, 1 MiB per file written (it writes only its answer), 64 descriptors.
process::resource_caps probe_caps();
// A transcode: 8 GiB of address space and `max_output_file_bytes` per file (a segment, a poster);
// its CPU time is capped once the film's duration is known.
process::resource_caps transcode_caps(std::uint64_t max_output_file_bytes);
inline constexpr std::uint64_t default_max_output_file_bytes = std::uint64_t(4) << 30;

}  // namespace festival::transcoder
