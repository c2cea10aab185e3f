#pragma once
// Probing complete uploads off the request workers: a probe may take minutes (it is killed after
// five), so it runs on a small pool of its own with a bounded queue, and the last PATCH is answered
// as soon as its bytes are durable. Each queued upload carries its lock: nothing writes to or deletes
// it between its last byte and its recorded outcome, and the cleaner does not probe it twice.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "catalog/uploads.hpp"
#include "server/uploads/upload_store.hpp"

namespace festival::server {

struct festival_app;

class upload_probe_queue {
public:
    explicit upload_probe_queue(festival_app& app, int threads = 2, std::size_t capacity = 64);
    // Stops: a running probe is killed; its upload (still "receiving", every byte stored) is probed
    // again by the next start's cleaner.
    ~upload_probe_queue();
    upload_probe_queue(const upload_probe_queue&) = delete;
    upload_probe_queue& operator=(const upload_probe_queue&) = delete;

    // Queues `upload` for probing and takes its lock; false (the lock stays with the caller) when the
    // queue is full: the cleaner's next round submits it again.
    bool try_submit(const catalog::upload& upload, upload_lock&& lock);

private:
    struct pending {
        catalog::upload upload;
        upload_lock lock;
    };
    void run();

    festival_app& app_;
    const int thread_count_;
    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<pending> queue_;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> threads_;  // started with the first upload
};

}  // namespace festival::server
