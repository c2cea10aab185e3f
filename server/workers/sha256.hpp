#pragma once
// SHA-256 (OpenSSL) of bytes as they stream, and of whole files: what workers on other hosts and the
// server compare to know a file crossed the network whole.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace festival::server {

class sha256_hasher {
public:
    sha256_hasher();
    ~sha256_hasher();
    sha256_hasher(const sha256_hasher&) = delete;
    sha256_hasher& operator=(const sha256_hasher&) = delete;

    void update(std::string_view bytes);
    // 64 lower-case hex digits; call once.
    std::string hex_digest();

private:
    struct context;
    std::unique_ptr<context> context_;
};

// The file's SHA-256 in hex; throws std::system_error when it cannot be read.
std::string sha256_of_file(const std::filesystem::path& path);

// True for 64 lower-case hex digits.
bool is_sha256_hex(std::string_view text);

}  // namespace festival::server
