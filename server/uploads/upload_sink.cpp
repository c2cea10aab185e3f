#include "server/uploads/upload_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/evp.h>

#include "catalog/clock.hpp"
#include "server/http/http_date.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

struct upload_sink::sha1_state {
    struct context_free {
        void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
    };
    std::unique_ptr<EVP_MD_CTX, context_free> context{EVP_MD_CTX_new()};
    sha1_state() {
        if (!context || EVP_DigestInit_ex(context.get(), EVP_sha1(), nullptr) != 1)
            throw std::runtime_error("sha1 unavailable");
    }
    void update(std::string_view piece) { EVP_DigestUpdate(context.get(), piece.data(), piece.size()); }
    std::string digest() {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(context.get(), out, &length);
        return std::string(reinterpret_cast<const char*>(out), length);
    }
};

namespace {

[[noreturn]] void storage_failure(const char* what, int error) {
    if (error == ENOSPC || error == EDQUOT)
        throw http_error(507, "insufficient_storage", "the server's disk is full");
    throw std::runtime_error(std::string(what) + ": " + std::strerror(error));
}

}  // namespace

upload_sink::upload_sink(festival_app& app, catalog::upload record, upload_lock lock,
                         std::optional<tus::checksum> checksum, bool created)
    : app_(app),
      record_(std::move(record)),
      lock_(std::move(lock)),
      checksum_(std::move(checksum)),
      created_(created),
      start_(record_.offset),
      written_(record_.offset),
      durable_(record_.offset) {
    if (checksum_) sha1_ = std::make_unique<sha1_state>();
    const auto path = app_.uploads.part_path(record_.id);
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) storage_failure("open upload", errno);
    // Bytes past the recorded offset were never acknowledged (a crash mid-PATCH): drop them.
    if (::ftruncate(fd_, start_) != 0) {
        const int error = errno;
        ::close(fd_);
        fd_ = -1;
        storage_failure("truncate upload", error);
    }
}

upload_sink::~upload_sink() {
    if (fd_ >= 0) ::close(fd_);
}

void upload_sink::write(std::string_view piece) {
    if (written_ + static_cast<std::int64_t>(piece.size()) > record_.length)
        throw http_error(413, "exceeds_upload_length",
                         "the body goes past Upload-Length (" + std::to_string(record_.length) + " bytes)");
    if (sha1_) sha1_->update(piece);
    const std::int64_t piece_start = written_;
    while (!piece.empty()) {
        const ssize_t n = ::pwrite(fd_, piece.data(), piece.size(), written_);
        if (n < 0) {
            if (errno == EINTR) continue;
            storage_failure("write upload", errno);
        }
        written_ += n;
        piece.remove_prefix(static_cast<std::size_t>(n));
    }
    app_.metrics.upload_bytes_received(static_cast<std::uint64_t>(written_ - piece_start));
    // Start writing back now, so a checkpoint's fdatasync waits for little and dirty pages stay few.
    ::sync_file_range(fd_, piece_start, written_ - piece_start, SYNC_FILE_RANGE_WRITE);
    if (!checksum_ && written_ - durable_ >= checkpoint_bytes) make_durable();
}

// Data first, then the offset naming it: the catalog never points past bytes that could be lost.
void upload_sink::make_durable() {
    if (::fdatasync(fd_) != 0) storage_failure("sync upload", errno);
    // Durable bytes are not read again until the probe: leave the page cache to the films being watched.
    ::posix_fadvise(fd_, 0, written_, POSIX_FADV_DONTNEED);
    std::optional<std::string> verified;
    if (checksum_) verified = "sha1";
    catalog::record_upload_offset(app_.catalog.local(), record_.id, written_,
                                  catalog::unix_now() + upload_lifetime_seconds, verified);
    durable_ = written_;
    record_.offset = written_;
}

void upload_sink::discard_unverified() {
    if (::ftruncate(fd_, durable_) == 0) ::fdatasync(fd_);
    written_ = durable_;
}

http_response upload_sink::finish() {
    if (checksum_ && sha1_->digest() != checksum_->digest) {
        discard_unverified();
        throw http_error(460, "checksum_mismatch", "the body does not match Upload-Checksum; send it again");
    }
    make_durable();
    ::close(fd_);
    fd_ = -1;
    http_response response;
    response.status = created_ ? 201 : 204;
    tus::resumable(response);
    response.set_header("Upload-Offset", std::to_string(record_.offset));
    if (created_) response.set_header("Location", "/api/uploads/" + record_.id);
    if (record_.offset == record_.length) {
        // Every byte is here. The probe runs on its own pool (it may take minutes), holding the
        // upload's lock; the client follows GET /api/uploads/{id} until it is done or failed. A full
        // queue leaves the upload to the cleaner's next round.
        if (!app_.probes.try_submit(record_, std::move(lock_)))
            log_event("upload_probe_deferred", {{"upload", record_.id}});
        return response;
    }
    response.set_header("Upload-Expires", http_date(catalog::unix_now() + upload_lifetime_seconds));
    return response;
}

void upload_sink::interrupted() noexcept {
    try {
        // Bytes under a checksum cannot be trusted unless all of them arrived.
        if (checksum_) return discard_unverified();
        if (written_ > durable_) make_durable();
        log_event("upload_interrupted", {{"upload", record_.id}, {"offset", durable_}});
    } catch (const std::exception& e) {
        log_event("upload_interrupted_failed", {{"upload", record_.id}});
    }
}

}  // namespace festival::server
