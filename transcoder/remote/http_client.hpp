#pragma once
// The remote worker's HTTP: one libcurl easy handle (connections kept alive between calls), the
// worker token on every request, TLS peers verified, bounded connect and stall times. Not thread-safe:
// one client per thread.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace festival::transcoder::remote {

// No HTTP answer at all (connection refused, reset, timed out, TLS failure): worth retrying.
class transfer_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct http_answer {
    long status = 0;
    std::string body;  // for downloads: the body only when it was not written to the file (errors)
    std::uint64_t bytes_written = 0;  // downloads: what went into the file
    // The error code of an `{"error":{"code"}}` body, or "".
    std::string error_code() const;
    std::string describe() const;  // "409 lease_lost: …" for logs and messages
};

// Called during transfers; returning false aborts the transfer (a transfer_error).
using keep_going = std::function<bool()>;

class http_client {
public:
    http_client(std::string server, std::string token);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    // A JSON request (`body` null: none) answered within `timeout_seconds`.
    http_answer call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                     int timeout_seconds = 30);
    // GET `path` into `file` from byte `offset` (Range: bytes=offset-); a 206 appends, a 200 rewrites the
    // file from its start. Other answers leave the file as it was.
    http_answer download(const std::string& path, const std::filesystem::path& file, std::uint64_t offset,
                         const keep_going& go_on);
    // PUT the file's bytes to `path` with its Content-Length.
    http_answer upload(const std::string& path, const std::filesystem::path& file, const keep_going& go_on);

private:
    struct curl_handle;
    void prepare(const std::string& method, const std::string& path, const keep_going* go_on);
    http_answer perform(const std::string& what);

    std::string server_;
    std::string authorization_;
    std::unique_ptr<curl_handle> curl_;
};

// curl_global_init, once per process, before any thread uses libcurl.
void init_http();

}  // namespace festival::transcoder::remote
