// A job's output from a worker on another host: what has arrived (so a worker resumes by sending only
// what is missing), and one file per PUT, streamed straight to the staging folder.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "catalog/jobs.hpp"
#include "server/workers/output_staging.hpp"
#include "server/workers/sha256.hpp"
#include "server/workers/worker_api.hpp"
#include "server/workers/worker_lease.hpp"
#include "transcoder/media/durable_file.hpp"

namespace festival::server {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void storage_failure(const char* what, int error) {
    if (error == ENOSPC || error == EDQUOT) throw http_error(507, "insufficient_storage", "the server's disk is full");
    throw std::system_error(error, std::generic_category(), what);
}

std::size_t entries_in(const fs::path& dir) {
    std::size_t count = 0;
    std::error_code ec;
    for (auto entry = fs::directory_iterator(dir, ec); !ec && entry != fs::directory_iterator(); entry.increment(ec)) ++count;
    return count;
}

// One output file: written to a hidden temporary beside its place, hashed as it comes, and renamed
// into place only when whole, durable, and the job still this token's. A body cut short leaves nothing.
class output_file_sink final : public body_sink {
public:
    output_file_sink(festival_app& app, const http_request& request, catalog::job job, std::string path, std::uint64_t length)
        : app_(app), token_name_(request.worker), job_(std::move(job)), staging_(app.settings->layout(), job_), path_(std::move(path)),
          length_(length) {
        const auto target = staging_.file(path_);
        fs::create_directories(target.parent_path());
        if (entries_in(target.parent_path()) >= output_staging::max_folder_entries)
            throw http_error(413, "too_many_files", "a folder of a version holds at most " +
                                                        std::to_string(output_staging::max_folder_entries / 2) + " files");
        temp_ = target.parent_path() / (".put-" + target.filename().string() + "-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) storage_failure("open output", errno);
    }

    ~output_file_sink() override { discard(); }

    void write(std::string_view piece) override {
        if (written_ + piece.size() > length_) throw http_error(400, "body_too_long", "the body is longer than Content-Length");
        hasher_.update(piece);
        while (!piece.empty()) {
            const auto n = ::pwrite(fd_, piece.data(), piece.size(), static_cast<off_t>(written_));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) storage_failure("write output", errno);
            written_ += static_cast<std::uint64_t>(n);
            piece.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    http_response finish() override {
        if (written_ != length_) throw http_error(400, "body_too_short", "the body is shorter than Content-Length");
        if (::fdatasync(fd_) != 0) storage_failure("sync output", errno);
        ::close(fd_);
        fd_ = -1;
        // Taken over meanwhile: the folder is someone else's now.
        leased_job(app_, token_name_, job_.id);
        const received_file file{written_, hasher_.hex_digest()};
        const auto target = staging_.file(path_);
        fs::rename(temp_, target);
        temp_.clear();
        media::sync_directory(target.parent_path());
        staging_.record(path_, file);
        return http_response::json(201, {{"path", path_}, {"bytes", file.bytes}, {"sha256", file.sha256}});
    }

    void interrupted() noexcept override { discard(); }

private:
    void discard() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        if (!temp_.empty()) ::unlink(temp_.c_str());
        temp_.clear();
    }

    festival_app& app_;
    std::string token_name_;
    catalog::job job_;
    output_staging staging_;
    std::string path_;
    std::uint64_t length_;
    fs::path temp_;
    int fd_ = -1;
    std::uint64_t written_ = 0;
    sha256_hasher hasher_;
};

}  // namespace

std::size_t worker_output_body_limit(const config& settings) {
    return static_cast<std::size_t>(settings.worker.max_output_file_mb) * 1024 * 1024;
}

http_response get_worker_job_output(festival_app& app, http_request& request) {
    const auto job = leased_job(app, request.worker, worker_job_id(request));
    auto files = nlohmann::json::object();
    for (const auto& [path, file] : output_staging(app.settings->layout(), job).received())
        files[path] = {{"bytes", file.bytes}, {"sha256", file.sha256}};
    return http_response::json(200, {{"files", std::move(files)}});
}

std::unique_ptr<body_sink> open_worker_output(festival_app& app, http_request& request) {
    const auto id = worker_job_id(request);
    const auto& path = request.params.at("path");
    if (!is_valid_output_path(path))
        throw http_error(400, "invalid_path",
                         "an output path is 1 to 3 segments of letters, digits, '.', '_' or '-', none starting with '.'");
    const auto length_header = request.header("content-length");
    std::uint64_t length = 0;
    if (!length_header || std::from_chars(length_header->data(), length_header->data() + length_header->size(), length).ec != std::errc())
        throw http_error(411, "length_required", "an output file is sent with its Content-Length");
    auto job = leased_job(app, request.worker, id);
    if (length > app.uploads.usable_bytes()) throw http_error(507, "insufficient_storage", "the server's disk is full");
    return std::make_unique<output_file_sink>(app, request, std::move(job), path, length);
}

}  // namespace festival::server
