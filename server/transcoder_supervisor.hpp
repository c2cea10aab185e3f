#pragma once
// Starts `festival-transcoder work` child processes, restarts one that dies, and stops them all with
// SIGTERM on shutdown. Hostile media is only ever parsed in these children, never in the server.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "transcoder/process/worker_settings.hpp"

namespace festival::server {

class transcoder_supervisor {
public:
    // Each worker is told `settings` on its command line (it reads no environment of its own).
    transcoder_supervisor(std::string executable, std::string data_dir, int count, process::worker_settings settings);
    ~transcoder_supervisor();
    transcoder_supervisor(const transcoder_supervisor&) = delete;
    transcoder_supervisor& operator=(const transcoder_supervisor&) = delete;

    void start();
    // SIGTERM to every child, then SIGKILL to any still alive after `grace_ms`.
    void stop(int grace_ms = 5000);
    // Workers asked for, and those running now (a crashed one counts again once restarted).
    int wanted() const { return count_; }
    int running() const;

private:
    pid_t spawn(int slot);
    void watch();

    std::string executable_;
    std::string data_dir_;
    int count_;
    process::worker_settings settings_;
    mutable std::mutex mutex_;
    std::vector<pid_t> children_;
    std::atomic<bool> stopping_{false};
    std::thread watcher_;
};

}  // namespace festival::server
