#include "server/uploads/upload_cleaner.hpp"

#include <filesystem>
#include <set>

#include "catalog/clock.hpp"
#include "catalog/uploads.hpp"
#include "server/uploads/upload_completion.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

int remove_expired_uploads(festival_app& app) {
    auto& db = app.catalog.local();
    int removed = 0;
    for (const auto& u : catalog::list_expired_uploads(db, catalog::unix_now())) {
        const auto lock = app.uploads.try_lock(u.id);
        if (!lock) continue;  // being written: its expiry moves on when that request records progress
        std::error_code ignored;
        std::filesystem::remove(app.uploads.part_path(u.id), ignored);
        catalog::delete_upload(db, u.id);
        log_event("upload_expired", {{"upload", u.id}, {"offset", u.offset}});
        ++removed;
    }
    // A crash between creating a file and recording its upload leaves a file nobody names.
    std::error_code ec;
    const auto day_ago = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24);
    for (const auto& entry : std::filesystem::directory_iterator(app.uploads.uploads_dir(), ec)) {
        if (entry.path().extension() != ".part") continue;
        const auto id = entry.path().stem().string();
        std::error_code time_ec;
        if (entry.last_write_time(time_ec) > day_ago || time_ec) continue;
        if (catalog::find_upload(db, id)) continue;
        const auto lock = app.uploads.try_lock(id);
        if (!lock) continue;
        std::filesystem::remove(entry.path(), time_ec);
        ++removed;
    }
    return removed;
}

int complete_interrupted_uploads(festival_app& app) {
    int queued = 0;
    for (const auto& u : catalog::list_unprocessed_complete_uploads(app.catalog.local())) {
        auto lock = app.uploads.try_lock(u.id);
        if (!lock) continue;  // being probed already
        if (!app.probes.try_submit(u, std::move(*lock))) break;  // full: the next round
        ++queued;
    }
    return queued;
}

upload_cleaner::upload_cleaner(festival_app& app, std::chrono::seconds interval) : app_(app) {
    try {
        remove_expired_uploads(app_);
    } catch (const std::exception& e) {
        log_event("upload_cleaning_failed", {{"what", e.what()}});
    }
    thread_.start([this, interval] { loop(interval); });
}

void upload_cleaner::loop(std::chrono::seconds interval) {
    // Off the start-up path: probing can take a while, and requests are served meanwhile.
    try {
        complete_interrupted_uploads(app_);
    } catch (const std::exception& e) {
        log_event("upload_completion_failed", {{"what", e.what()}});
    }
    while (thread_.sleep_for(interval)) {
        try {
            remove_expired_uploads(app_);
            complete_interrupted_uploads(app_);  // those a full probe queue turned away
        } catch (const std::exception& e) {
            log_event("upload_cleaning_failed", {{"what", e.what()}});
        }
    }
}

}  // namespace festival::server
