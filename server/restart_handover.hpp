#pragma once
// Restarts without cutting viewers off. On SIGUSR2 the festival starts its successor: the same
// executable path and arguments (the file there may hold a new build), given the listening socket
// (FESTIVAL_LISTEN_FD) and a readiness pipe (FESTIVAL_READY_FD). Once the successor writes to the
// pipe (it listens and its catalog is open), `hand_over` runs: this server drains and exits, and what
// `hand_over` returns goes to the successor (the audience state) through a third pipe. If the
// successor exits first, or stays silent for successor_ready_timeout, it is stopped, the reason is
// logged and this server goes on serving; a later SIGUSR2 tries again.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace festival::server {

// Long enough for a successor to open and migrate a large catalog.
inline constexpr std::chrono::seconds successor_ready_timeout{60};

// Blocks SIGUSR2 in the calling thread and so in every thread it starts afterwards: call it first,
// before any thread exists, so that only restart_handover's sigtimedwait ever receives the signal.
void reserve_restart_signal();

// The command that started this `festival serve`: the executable's path (as it was when this process
// started, so a new build installed there since is what runs next) and `serve_args`.
std::vector<std::string> own_serve_command(const std::vector<std::string>& serve_args);

// For a successor, the pipes from the festival that started it: readiness (FESTIVAL_READY_FD) and
// the state it hands over (FESTIVAL_HANDOVER_FD); -1 each when none started it. Taken out of the
// environment: call it before any thread starts.
struct predecessor_link {
    int ready_fd = -1;
    int state_fd = -1;
};
predecessor_link take_predecessor_link();
// Tells the predecessor that this festival is ready, and closes that pipe. False without one.
bool report_ready_to_predecessor(predecessor_link& link);
// Then waits for what the predecessor hands over once it has stopped changing it (up to
// successor_ready_timeout); empty when nothing came.
std::string receive_handed_over_state(predecessor_link& link);

class restart_handover {
public:
    restart_handover(std::vector<std::string> command, int listener_fd,
                     std::function<std::string(pid_t successor)> hand_over);
    ~restart_handover();
    restart_handover(const restart_handover&) = delete;
    restart_handover& operator=(const restart_handover&) = delete;

private:
    void wait_for_signals();
    // Starts a successor and waits for its word; true once it is ready and was handed over to.
    bool start_successor();

    std::vector<std::string> command_;
    int listener_fd_;
    std::function<std::string(pid_t)> hand_over_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace festival::server
