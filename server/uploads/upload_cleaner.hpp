#pragma once
// Removes abandoned uploads (tus expiration): their bytes and their record, once at start-up and then
// every `interval`, until destroyed. Each round also hands uploads whose last byte is stored but whose
// outcome is not (the server stopped first, or the probe queue was full) to the probe queue.
#include <chrono>

#include "server/background_thread.hpp"
#include "server/festival_app.hpp"

namespace festival::server {

// One pass; returns how many uploads it removed. Skips uploads a request is writing.
int remove_expired_uploads(festival_app& app);
// Queues complete but unprobed uploads for probing; returns how many it queued.
int complete_interrupted_uploads(festival_app& app);

class upload_cleaner {
public:
    explicit upload_cleaner(festival_app& app, std::chrono::seconds interval = std::chrono::minutes(10));
    upload_cleaner(const upload_cleaner&) = delete;
    upload_cleaner& operator=(const upload_cleaner&) = delete;

private:
    void loop(std::chrono::seconds interval);

    festival_app& app_;
    background_thread thread_;
};

}  // namespace festival::server
