#include "catalog/audience.hpp"

#include <algorithm>
#include <cmath>

namespace festival::catalog {

std::int64_t view_threshold_ms(const std::optional<double>& runtime_seconds, const audience_rules& rules) {
    if (runtime_seconds && *runtime_seconds > 0) {
        const auto runtime_ms = static_cast<std::int64_t>(std::llround(*runtime_seconds * 1000));
        if (runtime_ms < rules.short_film_ms) return std::min(rules.view_ms, runtime_ms / 2);
    }
    return rules.view_ms;
}

std::bitset<retention_buckets> buckets_of_span(double from, double to, double runtime) {
    std::bitset<retention_buckets> out;
    if (!(runtime > 0)) return out;
    from = std::clamp(from, 0.0, runtime);
    to = std::clamp(to, 0.0, runtime);
    if (!(to > from)) return out;
    // Bucket k = [k·R/100, (k+1)·R/100): the first is the one holding `from`, the last the one the
    // span enters before `to` (a span ending exactly on a boundary does not touch the next bucket).
    const int first = std::clamp(static_cast<int>(std::floor(from * retention_buckets / runtime)), 0, retention_buckets - 1);
    const int last =
        std::clamp(static_cast<int>(std::ceil(to * retention_buckets / runtime)) - 1, 0, retention_buckets - 1);
    for (int k = first; k <= last; ++k) out.set(static_cast<std::size_t>(k));
    return out;
}

void audience_ledger::measure(play& p) {
    if (p.measured || !p.runtime) return;
    p.measured = true;
    pending_.days[{p.film_id, day_of(p.started_ms)}].measured_plays += 1;
}

bool audience_ledger::start_play(const std::string& id, std::int64_t film_id, const std::string& viewer_hash,
                                 std::optional<double> runtime_seconds, std::int64_t now_ms) {
    // Bounds the memory one client can take by starting plays in a loop; reloads stay far below.
    auto& held = plays_per_viewer_[viewer_hash];
    if (held >= rules_.plays_per_viewer) return false;
    ++held;
    play p;
    p.film_id = film_id;
    p.viewer_hash = viewer_hash;
    p.started_ms = now_ms;
    p.last_ms = now_ms;
    if (runtime_seconds && *runtime_seconds > 0) p.runtime = runtime_seconds;
    pending_.minutes[{film_id, minute_of(now_ms)}].plays += 1;
    pending_.days[{film_id, day_of(now_ms)}].viewer_hashes.insert(viewer_hash);
    measure(p);
    plays_[id] = std::move(p);
    dirty_.insert(id);
    return true;
}

bool audience_ledger::expired(const play& p, std::int64_t now_ms) const {
    return p.ended || now_ms - p.last_ms >= rules_.idle_expiry_ms;
}

heartbeat_result audience_ledger::state(const std::string& id, std::int64_t now_ms) const {
    const auto it = plays_.find(id);
    if (it == plays_.end()) return heartbeat_result::unknown;
    return expired(it->second, now_ms) ? heartbeat_result::expired : heartbeat_result::accepted;
}

std::optional<audience_ledger::binding> audience_ledger::find(const std::string& id, std::int64_t now_ms) const {
    const auto it = plays_.find(id);
    if (it == plays_.end() || expired(it->second, now_ms)) return std::nullopt;
    return binding{it->second.film_id, it->second.viewer_hash, it->second.started_ms};
}

void audience_ledger::report_runtime(const std::string& id, double runtime_seconds) {
    const auto it = plays_.find(id);
    if (it == plays_.end() || it->second.runtime || !(runtime_seconds > 0)) return;
    it->second.runtime = runtime_seconds;
    measure(it->second);
    dirty_.insert(id);
}

heartbeat_result audience_ledger::heartbeat(const std::string& id, const viewer_heartbeat& beat, bool final,
                                            std::int64_t now_ms, heartbeat_credit* credit_out) {
    const auto it = plays_.find(id);
    if (it == plays_.end()) return heartbeat_result::unknown;
    play& p = it->second;
    if (expired(p, now_ms)) return heartbeat_result::expired;

    // Playback cannot outrun the wall clock: not since the previous heartbeat (plus jitter), nor
    // since the play started (no jitter: the play was created before playback began).
    const double played = std::isfinite(beat.played) ? std::clamp(beat.played, 0.0, 1e9) : 0.0;
    const auto claimed = static_cast<std::int64_t>(std::llround(played * 1000));
    const auto since_last = std::max<std::int64_t>(0, now_ms - p.last_ms) + rules_.tolerance_ms;
    const auto since_start = std::max<std::int64_t>(0, now_ms - p.started_ms - p.credited_ms);
    heartbeat_credit credit;
    credit.credited_ms = std::max<std::int64_t>(0, std::min({claimed, since_last, since_start}));
    p.last_ms = std::max(p.last_ms, now_ms);
    p.ended = p.ended || final;

    if (credit.credited_ms > 0) {
        const auto day_key = std::make_pair(p.film_id, day_of(p.started_ms));
        p.credited_ms += credit.credited_ms;
        pending_.minutes[{p.film_id, minute_of(now_ms)}].watch_ms += credit.credited_ms;
        if (p.runtime && std::isfinite(beat.position)) {
            const double runtime = *p.runtime;
            const double to = std::clamp(beat.position, 0.0, runtime);
            const auto span = buckets_of_span(to - credit.credited_ms / 1000.0, to, runtime);
            const auto fresh = span & ~p.watched;
            if (fresh.any()) {
                auto& retention = pending_.days[day_key].retention;
                for (int k = 0; k < retention_buckets; ++k)
                    if (fresh.test(static_cast<std::size_t>(k))) retention[k] += 1;
                p.watched |= fresh;
            }
            p.furthest = std::max(p.furthest, to);
            if (!p.completed && p.furthest >= rules_.completion_share * runtime) {
                p.completed = credit.became_complete = true;
                pending_.days[day_key].completed += 1;
            }
        }
        if (!p.reached_view && p.credited_ms >= view_threshold_ms(p.runtime, rules_)) {
            p.reached_view = credit.became_view = true;
            // One view per viewer hash (itself per film and day) per repeat period: reloads do not count.
            auto [last, fresh_viewer] = last_counted_view_.try_emplace(p.viewer_hash, now_ms);
            if (fresh_viewer || now_ms - last->second >= rules_.view_repeat_ms) {
                last->second = now_ms;
                p.viewed_at = now_ms;
                credit.counted_view = true;
                pending_.minutes[{p.film_id, minute_of(now_ms)}].views += 1;
            }
        }
    }
    dirty_.insert(id);
    if (credit_out) *credit_out = credit;
    return heartbeat_result::accepted;
}

live_counts audience_ledger::live(std::int64_t now_ms) const {
    live_counts counts;
    for (const auto& [id, p] : plays_) {
        if (p.ended || now_ms - p.last_ms >= rules_.live_ms) continue;
        ++counts.total;
        ++counts.by_film[p.film_id];
    }
    return counts;
}

void audience_ledger::sample_live(std::int64_t now_ms) {
    const auto counts = live(now_ms);
    if (counts.total == 0) return;
    const auto minute = minute_of(now_ms);
    auto& festival = pending_.festival_peak_live[minute];
    festival = std::max(festival, counts.total);
    for (const auto& [film, n] : counts.by_film) {
        auto& peak = pending_.minutes[{film, minute}].peak_live;
        peak = std::max(peak, n);
    }
}

void audience_ledger::expire(std::int64_t now_ms) {
    std::erase_if(plays_, [&](const auto& entry) {
        const auto& p = entry.second;
        if (now_ms - p.last_ms < rules_.idle_expiry_ms + rules_.forget_ms || dirty_.contains(entry.first)) return false;
        if (const auto held = plays_per_viewer_.find(p.viewer_hash); held != plays_per_viewer_.end() && --held->second <= 0)
            plays_per_viewer_.erase(held);
        return true;
    });
    std::erase_if(last_counted_view_, [&](const auto& entry) { return now_ms - entry.second >= rules_.view_repeat_ms; });
}

stats_batch audience_ledger::take_pending(std::int64_t now_ms, bool every_play) {
    for (auto it_id = dirty_.begin(); it_id != dirty_.end();) {
        const auto& id = *it_id;
        const auto it = plays_.find(id);
        if (it == plays_.end()) {
            it_id = dirty_.erase(it_id);
            continue;
        }
        play& p = it->second;
        if (!every_play && p.saved_ms && !p.ended && now_ms - *p.saved_ms < rules_.play_row_ms) {
            ++it_id;
            continue;
        }
        p.saved_ms = now_ms;
        play_snapshot s;
        s.id = id;
        s.film_id = p.film_id;
        s.viewer_hash = p.viewer_hash;
        s.started_ms = p.started_ms;
        s.last_ms = p.last_ms;
        s.runtime_seconds = p.runtime;
        s.credited_ms = p.credited_ms;
        s.furthest_position = p.furthest;
        s.watched.resize(retention_buckets);
        for (int k = 0; k < retention_buckets; ++k)
            s.watched[static_cast<std::size_t>(k)] = p.watched.test(static_cast<std::size_t>(k)) ? '1' : '0';
        s.viewed_at_ms = p.viewed_at;
        s.completed = p.completed;
        s.ended = p.ended;
        pending_.plays[id] = std::move(s);
        it_id = dirty_.erase(it_id);
    }
    stats_batch out;
    std::swap(out, pending_);
    return out;
}

}  // namespace festival::catalog
