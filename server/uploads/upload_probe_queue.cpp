#include "server/uploads/upload_probe_queue.hpp"


#include "server/festival_app.hpp"
#include "server/uploads/upload_completion.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

upload_probe_queue::upload_probe_queue(festival_app& app, int threads, std::size_t capacity)
    : app_(app), thread_count_(threads), capacity_(capacity) {}

upload_probe_queue::~upload_probe_queue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
}

bool upload_probe_queue::try_submit(const catalog::upload& upload, upload_lock&& lock) {
    {
        std::lock_guard guard(mutex_);
        if (stopping_ || queue_.size() >= capacity_) return false;
        queue_.push_back({upload, std::move(lock)});
        if (threads_.empty())
            for (int i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { run(); });
    }
    wake_.notify_one();
    return true;
}

void upload_probe_queue::run() {
    while (true) {
        std::unique_lock guard(mutex_);
        wake_.wait(guard, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        pending next = std::move(queue_.front());
        queue_.pop_front();
        guard.unlock();
        try {
            complete_upload(app_, next.upload, &stopping_);
        } catch (const std::exception& e) {
            // A refusal is recorded on the upload (status failed, with its reason) before it is thrown.
            log_event("upload_completion_failed", {{"upload", next.upload.id}});
        }
    }  // the upload's lock goes with `next`
}

}  // namespace festival::server
