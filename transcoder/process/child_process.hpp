#pragma once
// The one way the festival starts child processes. A child keeps only descriptors 0, 1 and 2 (and
// those it is explicitly given): Asio 1.81 opens and accepts sockets without SOCK_CLOEXEC, so without
// this the listening socket and every open client connection would reach the processes that parse
// hostile media.
#include <sys/types.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace festival::process {

struct child_options {
    int stdin_fd = -1;   // becomes the child's 0; -1: /dev/null
    int stdout_fd = -1;  // becomes the child's 1; -1: the parent's stdout
    bool own_process_group = false;  // a Ctrl-C at the terminal then reaches only the parent
    // Descriptors the child is given on purpose: they become its 3, 4, … in this order (as systemd
    // passes sockets), whatever their numbers here; every other one above 2 is still closed.
    std::vector<int> pass_fds{};
    // "NAME=value" entries added to the parent's environment (replacing a variable of that name).
    std::vector<std::string> extra_environment{};
};

// Starts args[0] with `args` (and the parent's environment); returns its pid. Throws
// std::system_error when it cannot be started.
pid_t spawn_child(const std::vector<std::string>& args, const child_options& options = {});

// Waits for `pid` (again after EINTR); returns its wait status.
int wait_for_child(pid_t pid);

// For a forked child, first thing: closes every descriptor from 3 up except `keep`, with
// close_range(2) (Linux 5.9+) or, before that, one by one from /proc/self/fd.
void close_inherited_descriptors(std::initializer_list<int> keep = {});

}  // namespace festival::process
