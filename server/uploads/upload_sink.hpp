#pragma once
// Writes one tus request body (PATCH, or POST with creation-with-upload) straight to the upload's
// file, piece by piece: memory stays flat whatever the size. The offset recorded in the catalog only
// ever names bytes already fsync'd, so a crash at any moment leaves a resumable upload.
#include <memory>
#include <optional>
#include <string>

#include "catalog/uploads.hpp"
#include "server/festival_app.hpp"
#include "server/http/router.hpp"
#include "server/uploads/tus_headers.hpp"
#include "server/uploads/upload_store.hpp"

namespace festival::server {

// Unfinished uploads live this long after their last activity (tus expiration extension).
inline constexpr std::int64_t upload_lifetime_seconds = 24 * 3600;

class upload_sink : public body_sink {
public:
    // `record` was read under `lock`; its offset is where this body starts. `created` answers 201 with
    // Location (creation-with-upload) instead of 204.
    upload_sink(festival_app& app, catalog::upload record, upload_lock lock, std::optional<tus::checksum> checksum,
                bool created);
    ~upload_sink() override;

    void write(std::string_view piece) override;
    http_response finish() override;
    void interrupted() noexcept override;

    // Without a checksum to verify, progress is made durable every this many bytes, so a connection
    // (or server) lost mid-PATCH resumes from the last checkpoint rather than the PATCH's start.
    static constexpr std::int64_t checkpoint_bytes = 16 * 1024 * 1024;

private:
    struct sha1_state;
    void make_durable();
    void discard_unverified();

    festival_app& app_;
    catalog::upload record_;
    upload_lock lock_;
    std::optional<tus::checksum> checksum_;
    std::unique_ptr<sha1_state> sha1_;
    bool created_;
    int fd_ = -1;
    std::int64_t start_;      // offset when this body began
    std::int64_t written_;    // offset after the last byte written
    std::int64_t durable_;    // offset recorded in the catalog
};

}  // namespace festival::server
