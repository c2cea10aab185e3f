#include "server/api/play_deadlines.hpp"

#include <algorithm>

namespace festival::server {

void play_deadlines::set(const std::string& play_id, std::int64_t until, std::int64_t now) {
    std::lock_guard lock(mutex_);
    until_[play_id] = until;
    // A play past its deadline is refused at its next heartbeat and never renewed, so its entry only
    // matters for that heartbeat: swept, a day later, whenever the map has doubled.
    if (until_.size() < prune_at_) return;
    std::erase_if(until_, [now](const auto& entry) { return entry.second + 86400 < now; });
    prune_at_ = std::max<std::size_t>(1024, until_.size() * 2);
}

std::optional<std::int64_t> play_deadlines::of(const std::string& play_id) const {
    std::lock_guard lock(mutex_);
    const auto found = until_.find(play_id);
    if (found == until_.end()) return std::nullopt;
    return found->second;
}

std::size_t play_deadlines::size() const {
    std::lock_guard lock(mutex_);
    return until_.size();
}

}  // namespace festival::server
