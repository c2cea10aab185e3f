#pragma once
// Per-viewer limits on anonymous writes (comments, ratings, form answers), kept in memory.
// Viewers are told apart by a keyed hash of their address (BLAKE2b via libsodium's
// crypto_generichash, with a random key that lives only in this process), so no address is ever
// stored and the hashes cannot be linked across restarts.
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace festival::server {

class viewer_hasher {
public:
    viewer_hasher();  // draws a fresh random key
    ~viewer_hasher();  // wipes the key
    // 32 hex digits; the same address gives the same hash for this process's lifetime.
    std::string hash(std::string_view address) const;
    // The key in hex, for a restarted server to go on hashing alike (handed over in memory only).
    std::string key_hex() const;
    // Takes such a key; false (key unchanged) when `hex` is not one.
    bool adopt_key(std::string_view hex);

private:
    unsigned char key_[32];
};

// A sliding window: at most `limit` events per key within `window`.
class rate_limiter {
public:
    using clock = std::chrono::steady_clock;
    rate_limiter(std::size_t limit, std::chrono::seconds window);

    // Counts one event for `key` at `now` when allowed and returns 0; otherwise counts nothing and
    // returns the seconds to wait before the next event would be allowed (at least 1).
    std::int64_t try_acquire(const std::string& key, clock::time_point now = clock::now());

    // Takes back the latest event counted for `key` (an attempt that turned out not to count).
    void forget_latest(const std::string& key);
    // Forgets every event of `key`.
    void forget(const std::string& key);

    std::size_t limit() const { return limit_; }
    std::chrono::seconds window() const { return window_; }
    std::size_t tracked_keys() const;

private:
    void forget_idle(clock::time_point now);

    std::size_t limit_;
    std::chrono::seconds window_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::deque<clock::time_point>> events_;
    clock::time_point next_sweep_{};
};

// The limits on what one viewer may send (documented in docs/api.md).
struct viewer_limits {
    viewer_hasher hasher;
    rate_limiter comments{10, std::chrono::minutes(10)};
    rate_limiter ratings{30, std::chrono::minutes(10)};
    rate_limiter form_answers{5, std::chrono::minutes(10)};
};

// Sign-in attempts (docs/security.md): failed ones per account and per client network, counted
// before the password is hashed, so a guesser is refused without costing a hash. An attempt counts
// when it starts (concurrent guesses cannot slip past) and is taken back when the password was right.
class sign_in_limits {
public:
    static constexpr std::size_t failures_per_account = 5;
    static constexpr std::size_t failures_per_network = 20;
    explicit sign_in_limits(std::chrono::seconds window);

    // 0 when an attempt for `email` from `remote_address` may go on (it is counted); otherwise the
    // seconds to wait, and nothing is counted.
    std::int64_t begin_attempt(std::string_view email, std::string_view remote_address);
    // The password was right: the account's failures are forgotten, the network's attempt taken back.
    void succeeded(std::string_view email, std::string_view remote_address);

private:
    std::string account_key(std::string_view email) const;
    viewer_hasher hasher_;  // keys are fixed-size hashes, however long the email sent
    rate_limiter accounts_;
    rate_limiter networks_;
};

}  // namespace festival::server
