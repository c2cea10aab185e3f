#include "server/transcoder_supervisor.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <system_error>

#include "transcoder/process/child_process.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

transcoder_supervisor::transcoder_supervisor(std::string executable, std::string data_dir, int count,
                                             process::worker_settings settings)
    : executable_(std::move(executable)), data_dir_(std::move(data_dir)), count_(count), settings_(std::move(settings)) {}

transcoder_supervisor::~transcoder_supervisor() { stop(); }

pid_t transcoder_supervisor::spawn(int slot) {
    const std::string worker_id = "serve-" + std::to_string(::getpid()) + "-" + std::to_string(slot);
    pid_t pid = -1;
    try {
        // Its own process group: a Ctrl-C at the terminal reaches the server, which then stops workers in order.
        std::vector<std::string> args = {executable_, "work", "--data-dir", data_dir_, "--worker-id", worker_id};
        for (auto& flag : settings_.to_flags()) args.push_back(std::move(flag));
        pid = process::spawn_child(args, {.own_process_group = true});
    } catch (const std::system_error& e) {
        log_event("transcoder_spawn_failed", {{"path", executable_}, {"errno", e.code().value()}});
        return -1;
    }
    log_event("transcoder_started", {{"pid", pid}, {"worker", worker_id}});
    return pid;
}

void transcoder_supervisor::start() {
    if (count_ <= 0) return;
    if (::access(executable_.c_str(), X_OK) != 0) {
        log_event("transcoder_missing", {{"path", executable_}});
        return;
    }
    {
        std::lock_guard lock(mutex_);
        for (int i = 0; i < count_; ++i) children_.push_back(spawn(i));
    }
    watcher_ = std::thread([this] { watch(); });
}

// Polls the children; a crashed worker is restarted (after a pause, so a broken binary cannot spin).
void transcoder_supervisor::watch() {
    while (!stopping_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::lock_guard lock(mutex_);
        for (std::size_t slot = 0; slot < children_.size(); ++slot) {
            pid_t& pid = children_[slot];
            if (pid <= 0 || stopping_) continue;
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) != pid) continue;
            log_event("transcoder_exited", {{"pid", pid}, {"status", status}});
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            pid = stopping_ ? -1 : spawn(static_cast<int>(slot));
        }
    }
}

int transcoder_supervisor::running() const {
    std::lock_guard lock(mutex_);
    int alive = 0;
    for (const pid_t pid : children_)
        if (pid > 0) ++alive;  // a crashed worker is reaped (and its slot restarted or emptied) within 200 ms
    return alive;
}

void transcoder_supervisor::stop(int grace_ms) {
    if (stopping_.exchange(true)) return;
    if (watcher_.joinable()) watcher_.join();
    std::lock_guard lock(mutex_);
    for (pid_t pid : children_)
        if (pid > 0) ::kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
    for (pid_t& pid : children_) {
        while (pid > 0) {
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                pid = -1;
                break;
            }
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                pid = -1;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
}

}  // namespace festival::server
