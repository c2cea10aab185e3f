#pragma once
// A bounded queue between the decoding thread and one rung's encoding thread: the decoder waits when
// a rung falls behind, so memory stays flat whatever the film's length.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "transcoder/av_handles.hpp"

namespace festival::transcoder {

// A picture to scale and encode, or the end of the film.
struct rung_work {
    frame_ptr picture;
    bool end = false;
};

class work_queue {
public:
    explicit work_queue(std::size_t capacity) : capacity_(capacity) {}

    // False when the queue was closed (the consumer failed).
    bool push(rung_work item) {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
        if (closed_) return false;
        items_.push_back(std::move(item));
        not_empty_.notify_one();
        return true;
    }
    // Nullopt once closed and drained.
    std::optional<rung_work> pop() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
        if (items_.empty()) return std::nullopt;
        auto item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return item;
    }
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        items_.clear();
        not_full_.notify_all();
        not_empty_.notify_all();
    }

private:
    std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable not_full_, not_empty_;
    std::deque<rung_work> items_;
    bool closed_ = false;
};

}  // namespace festival::transcoder
