#include "server/audience/viewer_token.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace festival::server {
namespace {

constexpr std::size_t key_bytes = crypto_generichash_KEYBYTES;  // 32

void start_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
}

std::string random_key() {
    start_sodium();
    std::string key(key_bytes, '\0');
    randombytes_buf(key.data(), key.size());
    return key;
}

// Writes a fresh key to a file of its own, then links it to `path`: link() fails when `path` exists,
// so the first node wins and every other reads a complete file, never a half-written one.
void create_key_file(const std::filesystem::path& path) {
    if (std::filesystem::exists(path)) return;
    auto staged = path;
    staged += ".new-" + std::to_string(::getpid());
    const int fd = ::open(staged.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        throw std::runtime_error("cannot create the audience sketch key " + path.string() + ": " + std::strerror(errno));
    auto key = random_key();
    char hex[key_bytes * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    sodium_memzero(key.data(), key.size());
    const std::string line = std::string(hex) + "\n";
    sodium_memzero(hex, sizeof hex);
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    ::close(fd);
    const bool linked = written && (::link(staged.c_str(), path.c_str()) == 0 || errno == EEXIST);
    const int link_error = errno;
    std::error_code ignored;
    std::filesystem::remove(staged, ignored);
    if (!linked)
        throw std::runtime_error("cannot write the audience sketch key " + path.string() + ": " +
                                 std::strerror(written ? link_error : EIO));
}

}  // namespace

bool viewer_token_shaped(std::string_view token) {
    return token.size() == 32 && token.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

viewer_token_hasher::viewer_token_hasher() : key_(random_key()) {}

viewer_token_hasher::viewer_token_hasher(std::string key) : key_(std::move(key)) {
    start_sodium();
    if (key_.size() != key_bytes) throw std::invalid_argument("the audience sketch key must be 32 bytes");
}

viewer_token_hasher::~viewer_token_hasher() { sodium_memzero(key_.data(), key_.size()); }

catalog::sketch_slot viewer_token_hasher::slot_of(std::string_view token) const {
    // BLAKE2b's shortest output is 16 bytes; the first 8 are the 64-bit hash the sketch wants.
    unsigned char digest[crypto_generichash_BYTES_MIN];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                       reinterpret_cast<const unsigned char*>(key_.data()), key_.size());
    std::uint64_t hash = 0;
    for (int i = 0; i < 8; ++i) hash = (hash << 8) | digest[i];
    return catalog::slot_of_hash(hash);
}

viewer_token_hasher viewer_token_hasher::from_file(const std::filesystem::path& path) {
    create_key_file(path);
    std::ifstream in(path);
    std::string hex;
    if (!in || !std::getline(in, hex)) throw std::runtime_error("cannot read the audience sketch key " + path.string());
    std::string key(key_bytes, '\0');
    std::size_t length = 0;
    if (hex.size() != key_bytes * 2 ||
        sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), hex.data(), hex.size(), nullptr, &length,
                       nullptr) != 0 ||
        length != key_bytes)
        throw std::runtime_error("the audience sketch key " + path.string() + " must be one line of 64 hexadecimal digits");
    sodium_memzero(hex.data(), hex.size());
    return viewer_token_hasher(std::move(key));
}

}  // namespace festival::server
