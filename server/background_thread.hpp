#pragma once
// A thread for the server's periodic work: its body sleeps between rounds with sleep_for(), and
// stop() (or the destructor) wakes it at once and waits for it to return.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace festival::server {

class background_thread {
public:
    background_thread() = default;
    ~background_thread() { stop(); }
    background_thread(const background_thread&) = delete;
    background_thread& operator=(const background_thread&) = delete;

    // Runs `body` on a new thread; once.
    void start(std::function<void()> body) { thread_ = std::thread(std::move(body)); }

    // For the body: sleeps up to `duration`; false, at once, when stop() was asked.
    bool sleep_for(std::chrono::steady_clock::duration duration) {
        std::unique_lock lock(mutex_);
        return !wake_.wait_for(lock, duration, [this] { return stop_; });
    }

    // Idempotent.
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace festival::server
