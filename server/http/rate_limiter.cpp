#include "server/http/rate_limiter.hpp"

#include <sodium.h>

#include <cctype>
#include <stdexcept>

#include "server/http/client_address.hpp"

namespace festival::server {

viewer_hasher::viewer_hasher() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
    randombytes_buf(key_, sizeof key_);
}

viewer_hasher::~viewer_hasher() { sodium_memzero(key_, sizeof key_); }

std::string viewer_hasher::hash(std::string_view address) const {
    unsigned char digest[16];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(address.data()), address.size(),
                       key_, sizeof key_);
    char hex[sizeof digest * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

std::string viewer_hasher::key_hex() const {
    char hex[sizeof key_ * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, key_, sizeof key_);
    return hex;
}

bool viewer_hasher::adopt_key(std::string_view hex) {
    unsigned char key[sizeof key_];
    std::size_t length = 0;
    if (hex.size() != sizeof key_ * 2 ||
        sodium_hex2bin(key, sizeof key, hex.data(), hex.size(), nullptr, &length, nullptr) != 0 || length != sizeof key)
        return false;
    std::copy(key, key + sizeof key, key_);
    sodium_memzero(key, sizeof key);
    return true;
}

rate_limiter::rate_limiter(std::size_t limit, std::chrono::seconds window) : limit_(limit), window_(window) {}

std::int64_t rate_limiter::try_acquire(const std::string& key, clock::time_point now) {
    std::lock_guard lock(mutex_);
    forget_idle(now);
    auto& times = events_[key];
    while (!times.empty() && times.front() + window_ <= now) times.pop_front();
    if (times.size() < limit_) {
        times.push_back(now);
        return 0;
    }
    const auto wait = std::chrono::ceil<std::chrono::seconds>(times.front() + window_ - now).count();
    return wait < 1 ? 1 : wait;
}

void rate_limiter::forget_latest(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto found = events_.find(key);
    if (found != events_.end() && !found->second.empty()) found->second.pop_back();
}

void rate_limiter::forget(const std::string& key) {
    std::lock_guard lock(mutex_);
    events_.erase(key);
}

std::size_t rate_limiter::tracked_keys() const {
    std::lock_guard lock(mutex_);
    return events_.size();
}

// Keys whose last event left the window are dropped, once per window, so memory follows the
// number of recent viewers rather than every viewer ever seen.
void rate_limiter::forget_idle(clock::time_point now) {
    if (now < next_sweep_) return;
    next_sweep_ = now + window_;
    for (auto it = events_.begin(); it != events_.end();) {
        if (it->second.empty() || it->second.back() + window_ <= now) it = events_.erase(it);
        else ++it;
    }
}

sign_in_limits::sign_in_limits(std::chrono::seconds window)
    : accounts_(failures_per_account, window), networks_(failures_per_network, window) {}

std::string sign_in_limits::account_key(std::string_view email) const {
    std::string lower(email);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return hasher_.hash(lower);
}

std::int64_t sign_in_limits::begin_attempt(std::string_view email, std::string_view remote_address) {
    const auto account = account_key(email);
    const auto network = client_network(remote_address);
    if (const auto wait = accounts_.try_acquire(account)) return wait;
    if (const auto wait = networks_.try_acquire(network)) {
        accounts_.forget_latest(account);
        return wait;
    }
    return 0;
}

void sign_in_limits::succeeded(std::string_view email, std::string_view remote_address) {
    accounts_.forget(account_key(email));
    networks_.forget_latest(client_network(remote_address));
}

}  // namespace festival::server
