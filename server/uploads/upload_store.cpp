#include "server/uploads/upload_store.hpp"

#include <sys/statvfs.h>

#include <string>

namespace festival::server {

upload_lock::~upload_lock() {
    if (store_) store_->unlock(id_);
}

upload_store::upload_store(const std::string& data_dir)
    : layout_(data_dir) {
    std::error_code ignored;
    std::filesystem::create_directories(layout_.uploads_dir(), ignored);
    std::filesystem::create_directories(layout_.sources_dir(), ignored);
}

std::optional<upload_lock> upload_store::try_lock(const std::string& id) {
    std::lock_guard guard(mutex_);
    if (!busy_.insert(id).second) return std::nullopt;
    return std::optional<upload_lock>(std::in_place, *this, id);
}

void upload_store::unlock(const std::string& id) {
    std::lock_guard guard(mutex_);
    busy_.erase(id);
}

std::uint64_t upload_store::usable_bytes() const {
    std::uint64_t free = 0;
    if (test_free_bytes_) {
        free = *test_free_bytes_;
    } else {
        struct statvfs info {};
        if (::statvfs(layout_.uploads_dir().c_str(), &info) != 0) return 0;
        free = static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
    }
    return free > disk_reserve ? free - disk_reserve : 0;
}

}  // namespace festival::server
