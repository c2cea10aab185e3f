#pragma once
// A tus 1.0.0 client for integration tests: a signed-in curator's requests with the tus headers, and
// a PATCH that sends only part of its body and stays open (a connection that breaks mid-upload).
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/http_client.hpp"

namespace festival::testing {

struct tus_client {
    signed_in_client session;
    bool csrf = true;
    bool resumable = true;
    bool signed_in = true;

    http_result call(const std::string& method, const std::string& target, const std::string& body,
                     header_list headers) const;
    // POST /api/uploads for `film` with Upload-Length; returns the upload's path from Location.
    std::string create(const std::string& film, std::int64_t length, const std::string& filename = "master.mov") const;
    http_result patch(const std::string& path, std::int64_t offset, const std::string& bytes,
                      const std::string& checksum_header = "") const;
    http_result head(const std::string& path) const;
    // The upload's record once its probe has run (the last PATCH is answered before): "done" or
    // "failed"; still "receiving" after 30 s.
    nlohmann::json settled(const std::string& path) const;
};

// An Upload-Metadata header: "key base64(value),…".
std::string tus_metadata(const std::vector<std::pair<std::string, std::string>>& pairs);
// "sha1 <base64>" of bytes, as Upload-Checksum wants it.
std::string sha1_checksum(const std::string& bytes);
std::string sha256_hex(const std::string& bytes);
// Deterministic, incompressible-looking bytes.
std::string pattern_bytes(std::size_t size, std::uint32_t seed);
std::string read_file(const std::string& path);

// A PATCH whose header announces `announced` bytes but only `sent` are written; the connection stays
// open until this object dies.
class partial_patch {
public:
    partial_patch(const tus_client& client, const std::string& path, std::int64_t offset, const std::string& bytes,
                  std::size_t announced, const std::string& checksum_header = "");
    ~partial_patch();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace festival::testing
