#include "server/workers/sha256.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include <openssl/evp.h>

namespace festival::server {

struct sha256_hasher::context {
    struct context_free {
        void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
    };
    std::unique_ptr<EVP_MD_CTX, context_free> md{EVP_MD_CTX_new()};
};

sha256_hasher::sha256_hasher() : context_(std::make_unique<context>()) {
    if (!context_->md || EVP_DigestInit_ex(context_->md.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("sha256 unavailable");
}

sha256_hasher::~sha256_hasher() = default;

void sha256_hasher::update(std::string_view bytes) { EVP_DigestUpdate(context_->md.get(), bytes.data(), bytes.size()); }

std::string sha256_hasher::hex_digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_->md.get(), digest, &length);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        hex += digits[digest[i] >> 4];
        hex += digits[digest[i] & 0xF];
    }
    return hex;
}

std::string sha256_of_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path.string());
    sha256_hasher hasher;
    static constexpr std::size_t chunk = 1 << 20;
    const auto buffer = std::make_unique<char[]>(chunk);
    for (;;) {
        const auto n = ::read(fd, buffer.get(), chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            throw std::system_error(error, std::generic_category(), "read " + path.string());
        }
        if (n == 0) break;
        hasher.update(std::string_view(buffer.get(), static_cast<std::size_t>(n)));
    }
    ::close(fd);
    return hasher.hex_digest();
}

bool is_sha256_hex(std::string_view text) {
    if (text.size() != 64) return false;
    for (const char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace festival::server
