#include "transcoder/process/child_process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <system_error>

extern char** environ;

namespace festival::process {
namespace {

// RAII for the spawn attributes and file actions.
struct spawn_plan {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    spawn_plan() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~spawn_plan() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    spawn_plan(const spawn_plan&) = delete;
    spawn_plan& operator=(const spawn_plan&) = delete;
};

void close_from_proc(int from, int to) {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) {
        // No /proc: close the whole possible range, bounded by the descriptor limit.
        const long most = ::sysconf(_SC_OPEN_MAX);
        for (long fd = from; fd <= std::min<long>(to, most > 0 ? most : 65536); ++fd) ::close(static_cast<int>(fd));
        return;
    }
    const int own = ::dirfd(dir);
    std::vector<int> open;
    while (const dirent* entry = ::readdir(dir)) {
        char* end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (*end == '\0' && end != entry->d_name && fd >= from && fd <= to && fd != own)
            open.push_back(static_cast<int>(fd));
    }
    ::closedir(dir);
    for (int fd : open) ::close(fd);
}

void close_range_or_fallback(unsigned from, unsigned to) {
    if (from > to) return;
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, from, to, 0) == 0) return;
#endif
    close_from_proc(static_cast<int>(from), static_cast<int>(std::min<unsigned>(to, INT_MAX)));
}

// A descriptor duplicated above every number the child is given, closed here once the child started.
struct raised_copy {
    int fd = -1;
    raised_copy(int original, int above) : fd(::fcntl(original, F_DUPFD_CLOEXEC, above)) {
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "spawn_child: cannot pass a descriptor");
    }
    ~raised_copy() { ::close(fd); }
    raised_copy(const raised_copy&) = delete;
    raised_copy& operator=(const raised_copy&) = delete;
};

// The parent's environment with `extra` added, a variable of the same name replaced.
std::vector<char*> environment_with(const std::vector<std::string>& extra) {
    std::vector<char*> merged;
    for (char** entry = environ; *entry; ++entry) {
        const std::string_view variable(*entry);
        const auto name = variable.substr(0, variable.find('=') + 1);
        const bool replaced = std::any_of(extra.begin(), extra.end(),
                                          [&](const std::string& e) { return std::string_view(e).starts_with(name); });
        if (!replaced) merged.push_back(*entry);
    }
    for (const auto& e : extra) merged.push_back(const_cast<char*>(e.c_str()));
    merged.push_back(nullptr);
    return merged;
}

}  // namespace

pid_t spawn_child(const std::vector<std::string>& args, const child_options& options) {
    if (args.empty()) throw std::system_error(EINVAL, std::generic_category(), "spawn_child: no program");
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    spawn_plan plan;
    if (options.stdin_fd >= 0) posix_spawn_file_actions_adddup2(&plan.actions, options.stdin_fd, 0);
    else posix_spawn_file_actions_addopen(&plan.actions, 0, "/dev/null", O_RDONLY, 0);
    if (options.stdout_fd >= 0) posix_spawn_file_actions_adddup2(&plan.actions, options.stdout_fd, 1);
    // Passed descriptors are first copied above 3 + their count, so that placing one at 3 + i never
    // overwrites another still to be placed; dup2 clears close-on-exec on the child's copy.
    const int first_free = 3 + static_cast<int>(options.pass_fds.size());
    std::vector<std::unique_ptr<raised_copy>> copies;
    for (std::size_t i = 0; i < options.pass_fds.size(); ++i) {
        copies.push_back(std::make_unique<raised_copy>(options.pass_fds[i], first_free));
        posix_spawn_file_actions_adddup2(&plan.actions, copies.back()->fd, 3 + static_cast<int>(i));
    }
    // Everything else goes, whatever its close-on-exec flag (glibc uses close_range, or /proc/self/fd).
    posix_spawn_file_actions_addclosefrom_np(&plan.actions, first_free);
    // Children start with no signal blocked, whatever the spawning thread blocks (the server keeps
    // SIGUSR2 blocked for the one thread that waits for it).
    short flags = POSIX_SPAWN_SETSIGMASK;
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&plan.attributes, &none);
    if (options.own_process_group) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&plan.attributes, 0);
    }
    posix_spawnattr_setflags(&plan.attributes, flags);
    pid_t pid = -1;
    auto environment =
        options.extra_environment.empty() ? std::vector<char*>() : environment_with(options.extra_environment);
    const int rc = ::posix_spawn(&pid, argv[0], &plan.actions, &plan.attributes, argv.data(),
                                 environment.empty() ? environ : environment.data());
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "cannot start " + args[0]);
    return pid;
}

int wait_for_child(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return status;
}

void close_inherited_descriptors(std::initializer_list<int> keep) {
    std::vector<int> kept(keep.begin(), keep.end());
    std::sort(kept.begin(), kept.end());
    unsigned from = 3;
    for (int fd : kept) {
        if (fd < 3) continue;
        if (static_cast<unsigned>(fd) > from) close_range_or_fallback(from, static_cast<unsigned>(fd) - 1);
        from = static_cast<unsigned>(fd) + 1;
    }
    close_range_or_fallback(from, ~0U);
}

}  // namespace festival::process
