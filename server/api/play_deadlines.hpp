#pragma once
// When plays of films with a watch window must stop (their pass's watch_until), so that a heartbeat,
// on an I/O thread, refuses to renew the media tokens of a play past it without asking SQLite.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace festival::server {

class play_deadlines {
public:
    // Remembers the play's deadline (unix seconds); forgets deadlines long past while it is here.
    void set(const std::string& play_id, std::int64_t until, std::int64_t now);
    std::optional<std::int64_t> of(const std::string& play_id) const;
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::int64_t> until_;  // by play id
    std::size_t prune_at_ = 1024;                          // size that triggers the next sweep
};

}  // namespace festival::server
