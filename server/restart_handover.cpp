#include "server/restart_handover.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <system_error>

#include "transcoder/process/child_process.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

// RAII for one end of a pipe.
struct owned_fd {
    int fd = -1;
    owned_fd() = default;
    explicit owned_fd(int f) : fd(f) {}
    ~owned_fd() { reset(); }
    owned_fd(const owned_fd&) = delete;
    owned_fd& operator=(const owned_fd&) = delete;
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

std::string exit_description(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "ended";
}

// Stops a successor that never became ready: SIGTERM, then SIGKILL if it lingers.
std::string stop_successor(pid_t pid) {
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid, &status, WNOHANG) == pid) return exit_description(status);
        ::usleep(50'000);
    }
    ::kill(pid, SIGKILL);
    return exit_description(process::wait_for_child(pid));
}

}  // namespace

void reserve_restart_signal() {
    sigset_t restart;
    sigemptyset(&restart);
    sigaddset(&restart, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &restart, nullptr);
}

std::vector<std::string> own_serve_command(const std::vector<std::string>& serve_args) {
    char path[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    std::string exe = n > 0 ? std::string(path, static_cast<std::size_t>(n)) : "festival";
    // A build replaced since this process started: the path now holds the new one.
    constexpr std::string_view deleted = " (deleted)";
    if (exe.ends_with(deleted)) exe.resize(exe.size() - deleted.size());
    std::vector<std::string> command = {exe, "serve"};
    command.insert(command.end(), serve_args.begin(), serve_args.end());
    return command;
}

namespace {

int take_descriptor(const char* variable) {
    const char* text = std::getenv(variable);
    if (!text) return -1;
    const int fd = std::atoi(text);
    ::unsetenv(variable);
    if (fd < 3 || ::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return -1;
    return fd;
}

// Writes everything unless the reader stops reading for `patience`: a successor that hangs must
// not keep this server from exiting.
bool write_all(int fd, std::string_view bytes, std::chrono::seconds patience) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        pollfd wait{fd, POLLOUT, 0};
        ::poll(&wait, 1, 200);
    }
    return true;
}

}  // namespace

predecessor_link take_predecessor_link() {
    return {take_descriptor("FESTIVAL_READY_FD"), take_descriptor("FESTIVAL_HANDOVER_FD")};
}

bool report_ready_to_predecessor(predecessor_link& link) {
    if (link.ready_fd < 0) return false;
    const bool told = ::write(link.ready_fd, "1", 1) == 1;
    ::close(link.ready_fd);
    link.ready_fd = -1;
    return told;
}

std::string receive_handed_over_state(predecessor_link& link) {
    if (link.state_fd < 0) return {};
    owned_fd pipe(link.state_fd);
    link.state_fd = -1;
    std::string state;
    const auto deadline = std::chrono::steady_clock::now() + successor_ready_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd wait{pipe.fd, POLLIN, 0};
        if (::poll(&wait, 1, 200) <= 0) continue;
        char buffer[64 * 1024];
        const ssize_t n = ::read(pipe.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return state;  // the end: all of it, or nothing when the predecessor died
        state.append(buffer, static_cast<std::size_t>(n));
    }
    log_event("handover_timeout", {{"why", "the previous server sent no state"}});
    return {};
}

restart_handover::restart_handover(std::vector<std::string> command, int listener_fd,
                                   std::function<std::string(pid_t)> hand_over)
    : command_(std::move(command)), listener_fd_(listener_fd), hand_over_(std::move(hand_over)) {
    thread_ = std::thread([this] { wait_for_signals(); });
}

restart_handover::~restart_handover() {
    stop_ = true;
    thread_.join();
}

void restart_handover::wait_for_signals() {
    sigset_t restart;
    sigemptyset(&restart);
    sigaddset(&restart, SIGUSR2);
    bool handed_over = false;
    while (!stop_) {
        const timespec slice{0, 200'000'000};
        if (::sigtimedwait(&restart, nullptr, &slice) != SIGUSR2) continue;
        if (handed_over) {
            log_event("restart_ignored", {{"why", "a successor already took over"}});
            continue;
        }
        log_event("restarting", {{"command", command_}});
        handed_over = start_successor();
    }
}

bool restart_handover::start_successor() {
    int ends[2], state_ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
        log_event("restart_failed", {{"why", std::string("no pipe: ") + std::strerror(errno)}});
        return false;
    }
    owned_fd ready_read(ends[0]), ready_write(ends[1]);
    if (::pipe2(state_ends, O_CLOEXEC) != 0) {
        log_event("restart_failed", {{"why", std::string("no pipe: ") + std::strerror(errno)}});
        return false;
    }
    owned_fd state_read(state_ends[0]), state_write(state_ends[1]);
    pid_t pid = -1;
    try {
        process::child_options options;
        options.pass_fds = {listener_fd_, ready_write.fd, state_read.fd};
        options.extra_environment = {"FESTIVAL_LISTEN_FD=3", "FESTIVAL_READY_FD=4", "FESTIVAL_HANDOVER_FD=5"};
        pid = process::spawn_child(command_, options);
    } catch (const std::system_error& e) {
        log_event("restart_failed", {{"why", e.what()}});
        return false;
    }
    ready_write.reset();  // only the successor holds it now: its exit shows as the end of the pipe
    state_read.reset();
    const auto deadline = std::chrono::steady_clock::now() + successor_ready_timeout;
    while (!stop_ && std::chrono::steady_clock::now() < deadline) {
        pollfd wait{ready_read.fd, POLLIN, 0};
        if (::poll(&wait, 1, 200) <= 0) continue;
        char word = 0;
        const ssize_t n = ::read(ready_read.fd, &word, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n == 1) {
            log_event("successor_ready", {{"pid", pid}});
            auto state = hand_over_(pid);
            if (!write_all(state_write.fd, state, successor_ready_timeout))
                log_event("handover_incomplete", {{"pid", pid}});
            sodium_memzero(state.data(), state.size());  // it holds the day keys of viewer hashes
            return true;
        }
        // The pipe ended without a word: the successor exited (or closed it) before it was ready.
        log_event("restart_failed", {{"pid", pid},
                                     {"why", "the successor " + stop_successor(pid) + " before it was ready"},
                                     {"still_serving", true}});
        return false;
    }
    log_event("restart_failed", {{"pid", pid},
                                 {"why", stop_ ? "this server is stopping"
                                               : "the successor was not ready within " +
                                                     std::to_string(successor_ready_timeout.count()) + " s"},
                                 {"successor", stop_successor(pid)},
                                 {"still_serving", !stop_}});
    return false;
}

}  // namespace festival::server
