#include "server/api/media_token.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <system_error>

#include "transcoder/media/media_layout.hpp"

namespace festival::server {
namespace {

struct digest_context_free {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

// One digest context per thread, reused: signing on the I/O thread allocates nothing per request.
EVP_MD_CTX* thread_digest_context() {
    thread_local std::unique_ptr<EVP_MD_CTX, digest_context_free> context{EVP_MD_CTX_new()};
    if (!context) throw std::runtime_error("no memory for an MD5 context");
    return context.get();
}

void digest_number(EVP_MD_CTX* context, std::int64_t n) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    EVP_DigestUpdate(context, digits, static_cast<std::size_t>(end - digits));
}

void digest_text(EVP_MD_CTX* context, std::string_view text) { EVP_DigestUpdate(context, text.data(), text.size()); }

bool usable_secret(std::string_view secret) {
    if (secret.size() < 16) return false;
    for (const char c : secret)
        if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\'' || c == ';' || c == '\\' || c == 0x7F)
            return false;
    return true;
}

std::string random_secret() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char text[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(text, sizeof text, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bytes, sizeof bytes);
    return text;
}

// Creates the file only if it does not exist (O_EXCL): a second process starting at the same time
// reads what the first wrote instead of replacing it.
void create_secret_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return;
        throw std::runtime_error("cannot create the media token secret " + path.string() + ": " + std::strerror(errno));
    }
    const auto text = random_secret() + "\n";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        std::filesystem::remove(path);
        throw std::runtime_error("cannot write the media token secret " + path.string());
    }
}

// A token this thread issued or found valid: the same one, for the same film, version and signer, is
// valid again until it expires, without hashing. A few films play at once; one slot each (by film and
// version).
struct verified_token {
    std::uint64_t signer = 0;
    std::int64_t film_id = 0, version = 0, expires = 0;
    char sig[22] = {};
};
constexpr std::size_t verified_slots = 16;

verified_token& verified_slot(std::int64_t film_id, std::int64_t version) {
    thread_local std::array<verified_token, verified_slots> recent{};
    return recent[static_cast<std::size_t>(film_id * 31 + version) % verified_slots];
}

std::atomic<std::uint64_t> next_signer_id{1};

}  // namespace

media_token_signer::media_token_signer(std::string secret, std::int64_t seconds)
    : secret_(std::move(secret)), seconds_(seconds), id_(next_signer_id++) {
    if (seconds_ < 1) throw std::invalid_argument("media-token-seconds must be at least 1");
    if (!usable_secret(secret_)) throw std::invalid_argument("the media token secret must be 16 characters or more, without spaces or quotes");
}

void media_token_signer::sign(std::int64_t film_id, std::int64_t version, std::int64_t expires,
                              char (&out)[sig_chars + 1]) const {
    // Fetched once: EVP_md5() would make OpenSSL 3 look the algorithm up (under a lock) at every init.
    static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
    if (!md5) throw std::runtime_error("MD5 unavailable");
    auto* context = thread_digest_context();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    // "<expires>/media/<film>/v<version> <secret>", fed in pieces: nothing is assembled.
    if (EVP_DigestInit_ex(context, md5, nullptr) != 1) throw std::runtime_error("MD5 unavailable");
    digest_number(context, expires);
    digest_text(context, "/media/");
    digest_number(context, film_id);
    digest_text(context, "/v");
    digest_number(context, version);
    digest_text(context, " ");
    digest_text(context, secret_);
    if (EVP_DigestFinal_ex(context, digest, &length) != 1 || length != 16) throw std::runtime_error("MD5 failed");
    sodium_bin2base64(out, sizeof out, digest, length, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::string media_token_signer::issue(std::int64_t film_id, std::int64_t version, std::int64_t now) const {
    const auto expires = expires_at(now);
    // Every heartbeat of a film's viewers asks for the same token until the slice ends: hashed once.
    auto& known = verified_slot(film_id, version);
    if (known.signer != id_ || known.film_id != film_id || known.version != version || known.expires != expires) {
        char sig[sig_chars + 1];
        sign(film_id, version, expires, sig);
        known = {id_, film_id, version, expires, {}};
        std::memcpy(known.sig, sig, sig_chars);
    }
    return (std::to_string(expires) + "-").append(known.sig, sig_chars);
}

media_token_verdict media_token_signer::check(std::int64_t film_id, std::int64_t version, std::string_view token,
                                              std::int64_t now) const {
    const auto dash = token.find('-');
    if (dash == std::string_view::npos || dash == 0 || token.size() - dash - 1 != sig_chars)
        return media_token_verdict::invalid;
    std::int64_t expires = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + dash, expires);
    if (ec != std::errc() || end != token.data() + dash || expires <= 0) return media_token_verdict::invalid;
    const char* sig = token.data() + dash + 1;
    auto& known = verified_slot(film_id, version);
    static_assert(sizeof known.sig == sig_chars);
    const bool seen = known.signer == id_ && known.film_id == film_id && known.version == version &&
                      known.expires == expires && sodium_memcmp(known.sig, sig, sig_chars) == 0;
    if (!seen) {
        char expected[sig_chars + 1];
        sign(film_id, version, expires, expected);
        if (sodium_memcmp(expected, sig, sig_chars) != 0) return media_token_verdict::invalid;
        known = {id_, film_id, version, expires, {}};
        std::memcpy(known.sig, sig, sig_chars);
    }
    // As nginx's secure_link: good up to and including the second it names.
    return now > expires ? media_token_verdict::expired : media_token_verdict::valid;
}

std::string load_or_create_media_secret(const std::filesystem::path& path) {
    create_secret_file(path);
    std::ifstream in(path);
    std::string secret;
    if (!in || !std::getline(in, secret)) throw std::runtime_error("cannot read the media token secret " + path.string());
    while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ' || secret.back() == '\t')) secret.pop_back();
    if (!usable_secret(secret))
        throw std::runtime_error("the media token secret " + path.string() +
                                 " must be one line of 16 characters or more, without spaces or quotes");
    return secret;
}

media_token_signer media_token_signer::from_config(const config& c) {
    // Beside the catalog by default: backed up and restored with it, so tokens survive a restore.
    const auto path = c.media_token_secret_file.empty() ? media::media_layout(c.data_dir).media_token_secret()
                                                        : std::filesystem::path(c.media_token_secret_file);
    return media_token_signer(load_or_create_media_secret(path), c.media_token_seconds);
}

}  // namespace festival::server
