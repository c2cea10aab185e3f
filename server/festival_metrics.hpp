#pragma once
// The festival's own counters, beside the HTTP core's: heartbeats, upload bytes, catalog write
// latency. Relaxed atomics: the events are far rarer than requests, and a scrape needs no more.
// Written out by metrics_exposition.
#include <array>
#include <atomic>
#include <cstdint>

#include "catalog/database.hpp"
#include "server/http/metrics.hpp"

namespace festival::server {

// Why a heartbeat (or a play's final beacon) was refused; `invalid` covers malformed bodies and ids.
enum class heartbeat_refusal { invalid, unknown, expired, not_yours, other_film };
inline constexpr std::array<const char*, 5> heartbeat_refusal_names = {"invalid", "unknown", "expired", "not_yours",
                                                                       "other_film"};

class festival_metrics final : public catalog::write_observer {
public:
    void heartbeat_accepted() { heartbeats_accepted_.fetch_add(1, std::memory_order_relaxed); }
    void heartbeat_refused(heartbeat_refusal why) {
        heartbeats_refused_[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
    }
    void upload_bytes_received(std::uint64_t n) { upload_bytes_.fetch_add(n, std::memory_order_relaxed); }
    void write_committed(std::chrono::nanoseconds took) noexcept override { catalog_writes_.observe(took); }

    std::uint64_t heartbeats_accepted() const { return heartbeats_accepted_.load(std::memory_order_relaxed); }
    std::uint64_t heartbeats_refused(heartbeat_refusal why) const {
        return heartbeats_refused_[static_cast<std::size_t>(why)].load(std::memory_order_relaxed);
    }
    std::uint64_t upload_bytes() const { return upload_bytes_.load(std::memory_order_relaxed); }
    const shared_histogram& catalog_writes() const { return catalog_writes_; }

private:
    std::atomic<std::uint64_t> heartbeats_accepted_{0};
    std::array<std::atomic<std::uint64_t>, heartbeat_refusal_names.size()> heartbeats_refused_{};
    std::atomic<std::uint64_t> upload_bytes_{0};
    shared_histogram catalog_writes_;
};

}  // namespace festival::server
