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

bool watched_ranges::add(double from, double to, std::size_t max_ranges) {
    if (!(to > from)) return true;
    // The first range ending at or after `from` and the first starting after `to`: those between merge.
    auto first = std::lower_bound(ranges_.begin(), ranges_.end(), from,
                                  [](const auto& r, double x) { return r.second < x; });
    auto last = std::upper_bound(first, ranges_.end(), to, [](double x, const auto& r) { return x < r.first; });
    if (first == last) {
        if (ranges_.size() >= max_ranges) return false;
        ranges_.insert(first, {from, to});
        return true;
    }
    const std::pair merged{std::min(from, first->first), std::max(to, std::prev(last)->second)};
    const auto at = ranges_.erase(first, last);
    ranges_.insert(at, merged);
    return true;
}

double watched_ranges::covered(double from, double to) const {
    double total = 0;
    for (const auto& [a, b] : ranges_) total += std::max(0.0, std::min(b, to) - std::max(a, from));
    return total;
}

void audience_ledger::measure(play& p) {
    if (p.measured || !p.runtime) return;
    p.measured = true;
    pending_.days[{p.film_id, day_of(p.started_ms)}].measured_plays += 1;
}

start_result audience_ledger::admit(address_activity& a, std::int64_t film_id, const std::string& viewer_hash,
                                    std::int64_t now_ms) {
    std::erase_if(a.plays, [&](const std::string& id) {
        const auto it = plays_.find(id);
        return it == plays_.end() || expired(it->second, now_ms);
    });
    std::erase_if(a.starts, [&](std::int64_t at) { return now_ms - at >= 60'000; });
    const auto today = day_of(now_ms);
    std::erase_if(a.viewers, [&](const auto& entry) { return entry.first.second < today - 1; });
    if (a.starts.size() >= static_cast<std::size_t>(rules_.starts_per_address_minute))
        return {start_refusal::too_many_starts, a.starts.front() + 60'000 - now_ms};
    if (a.plays.size() >= static_cast<std::size_t>(rules_.open_plays_per_address)) {
        // The soonest an open play can expire is its idle expiry after its last report.
        std::int64_t soonest = rules_.idle_expiry_ms;
        for (const auto& id : a.plays)
            soonest = std::min(soonest, plays_.at(id).last_ms + rules_.idle_expiry_ms - now_ms);
        return {start_refusal::too_many_open_plays, soonest};
    }
    const auto& seen = a.viewers[{film_id, today}];
    if (!seen.contains(viewer_hash) && seen.size() >= static_cast<std::size_t>(rules_.viewers_per_address))
        return {start_refusal::too_many_viewers, (today + 1) * 86'400'000LL - now_ms};
    return {};
}

start_result audience_ledger::start_play(const std::string& id, std::int64_t film_id, const std::string& viewer_hash,
                                         std::optional<double> runtime_seconds, std::int64_t now_ms,
                                         const std::string& address_key, const std::string& token_hash,
                                         const std::string& country, const std::string& site,
                                         std::optional<sketch_slot> viewer_slot) {
    auto& activity = addresses_[address_key.empty() ? viewer_hash : address_key];
    if (auto refused = admit(activity, film_id, viewer_hash, now_ms); !refused) {
        refused.retry_after_ms = std::max<std::int64_t>(1000, refused.retry_after_ms);
        return refused;
    }
    // Bounds the memory one viewer hash can take; the address limits above keep far below it.
    auto& held = plays_per_viewer_[viewer_hash];
    if (held >= rules_.plays_per_viewer) return {start_refusal::too_many_plays, rules_.forget_ms};
    ++held;
    activity.plays.push_back(id);
    activity.starts.push_back(now_ms);
    activity.viewers[{film_id, day_of(now_ms)}].insert(viewer_hash);
    play p;
    p.film_id = film_id;
    p.viewer_hash = viewer_hash;
    p.token_hash = token_hash;
    p.country = country;
    p.site = site;
    p.slot = viewer_slot;
    p.started_ms = now_ms;
    p.last_ms = now_ms;
    if (runtime_seconds && *runtime_seconds > 0) p.runtime = runtime_seconds;
    pending_.minutes[{film_id, minute_of(now_ms)}].plays += 1;
    pending_.days[{film_id, day_of(now_ms)}].viewer_hashes.insert(viewer_hash);
    country_day(p, now_ms).plays += 1;
    site_day(p, now_ms).plays += 1;
    measure(p);
    plays_[id] = std::move(p);
    dirty_.insert(id);
    return {};
}

country_delta& audience_ledger::country_day(const play& p, std::int64_t now_ms) {
    return pending_.countries[{p.film_id, day_of(now_ms), p.country}];
}

site_delta& audience_ledger::site_day(const play& p, std::int64_t now_ms) {
    return pending_.sites[{p.film_id, day_of(now_ms), p.site}];
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
    return binding{it->second.film_id, it->second.viewer_hash, it->second.started_ms, it->second.last_ms};
}

bool audience_ledger::adopt(const play_snapshot& row, std::int64_t now_ms) {
    const auto known = plays_.find(row.id);
    if (known != plays_.end() && known->second.last_ms >= row.last_ms) return false;
    play p;
    p.film_id = row.film_id;
    p.viewer_hash = row.viewer_hash;
    p.country = known == plays_.end() ? std::string() : known->second.country;
    p.site = row.site;
    if (row.sketch_slot) p.slot = sketch_slot::from_stored(*row.sketch_slot);
    p.started_ms = row.started_ms;
    p.last_ms = row.last_ms;
    if (row.runtime_seconds && *row.runtime_seconds > 0) p.runtime = row.runtime_seconds;
    p.measured = p.runtime.has_value();  // counted by the node that learnt the runtime
    p.credited_ms = row.credited_ms;
    p.furthest = row.furthest_position;
    for (std::size_t k = 0; k < row.watched.size() && k < retention_buckets; ++k)
        if (row.watched[k] == '1') p.watched.set(k);
    if (p.runtime)
        for (int k = 0; k < retention_buckets; ++k)
            if (p.watched.test(static_cast<std::size_t>(k)))
                p.ranges.add(k * *p.runtime / retention_buckets, (k + 1) * *p.runtime / retention_buckets,
                             rules_.watched_ranges_per_play);
    p.token_hash = row.token_hash;
    p.viewed_at = row.viewed_at_ms;
    p.reached_view = row.reached_view;
    p.completed = row.completed;
    p.ended = row.ended;
    p.saved_ms = now_ms;  // the row is what the catalog holds already
    if (known == plays_.end()) ++plays_per_viewer_[p.viewer_hash];
    if (p.viewed_at) note_counted_view(p.viewer_hash, *p.viewed_at);
    plays_[row.id] = std::move(p);
    return true;
}

void audience_ledger::note_counted_view(const std::string& viewer_hash, std::int64_t at_ms) {
    auto [last, fresh] = last_counted_view_.try_emplace(viewer_hash, at_ms);
    if (!fresh && last->second < at_ms) last->second = at_ms;
}

std::optional<play_for_rating> audience_ledger::rating_view(const std::string& id) const {
    const auto it = plays_.find(id);
    if (it == plays_.end()) return std::nullopt;
    return play_for_rating{it->second.film_id, it->second.viewer_hash, it->second.token_hash, it->second.reached_view};
}

void audience_ledger::report_runtime(const std::string& id, double runtime_seconds) {
    const auto it = plays_.find(id);
    if (it == plays_.end() || it->second.runtime || !(runtime_seconds > 0)) return;
    it->second.runtime = runtime_seconds;
    measure(it->second);
    account_watched(it->second, 0, runtime_seconds);  // what was watched before the runtime was known
    dirty_.insert(id);
}

void audience_ledger::account_watched(play& p, double from, double to) {
    if (!p.runtime) return;
    const double runtime = *p.runtime;
    const auto day_key = std::make_pair(p.film_id, day_of(p.started_ms));
    // A bucket counts as watched once half of it was: a sliver of credit cannot mark it.
    const auto touched = buckets_of_span(from, to, runtime);
    std::bitset<retention_buckets> fresh;
    for (int k = 0; k < retention_buckets; ++k) {
        const auto bit = static_cast<std::size_t>(k);
        if (!touched.test(bit) || p.watched.test(bit)) continue;
        const double a = k * runtime / retention_buckets, b = (k + 1) * runtime / retention_buckets;
        if (p.ranges.covered(a, b) >= (b - a) / 2 - 1e-9) fresh.set(bit);
    }
    if (fresh.any()) {
        auto& retention = pending_.days[day_key].retention;
        for (int k = 0; k < retention_buckets; ++k)
            if (fresh.test(static_cast<std::size_t>(k))) retention[k] += 1;
        p.watched |= fresh;
    }
    // Completed = watched, not merely reached: the watched ranges cover the share of the runtime.
    if (!p.completed && p.ranges.covered(0, runtime) >= rules_.completion_share * runtime - 1e-9) {
        p.completed = true;
        pending_.days[day_key].completed += 1;
    }
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
        p.credited_ms += credit.credited_ms;
        pending_.minutes[{p.film_id, minute_of(now_ms)}].watch_ms += credit.credited_ms;
        country_day(p, now_ms).watch_ms += credit.credited_ms;
        site_day(p, now_ms).watch_ms += credit.credited_ms;
        if (std::isfinite(beat.position)) {
            // The credited seconds are the ones just before the reported position: a jump forward
            // (a seek) is not watched, whatever position the player reports.
            double to = std::max(0.0, beat.position);
            if (p.runtime) to = std::min(to, *p.runtime);
            const double from = std::max(0.0, to - credit.credited_ms / 1000.0);
            const bool was_complete = p.completed;
            if (p.ranges.add(from, to, rules_.watched_ranges_per_play)) account_watched(p, from, to);
            if (to > from) p.furthest = std::max(p.furthest, to);
            credit.became_complete = p.completed && !was_complete;
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
                country_day(p, now_ms).views += 1;
                site_day(p, now_ms).views += 1;
                // Its viewer is one of the people who watched: a token that never earns a view adds nothing.
                if (p.slot) pending_.viewer_slots.emplace_back(p.film_id, *p.slot);
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
    // An address is remembered while it may hold open plays or recent starts, and for the days its
    // viewers count in (today and yesterday), so its limits hold however it behaves.
    for (auto it = addresses_.begin(); it != addresses_.end();) {
        auto& a = it->second;
        std::erase_if(a.plays, [&](const std::string& id) {
            const auto play = plays_.find(id);
            return play == plays_.end() || expired(play->second, now_ms);
        });
        std::erase_if(a.viewers, [&](const auto& v) { return v.first.second < day_of(now_ms) - 1; });
        const bool idle = a.plays.empty() && a.viewers.empty() && (a.starts.empty() || now_ms - a.starts.back() >= 60'000);
        it = idle ? addresses_.erase(it) : std::next(it);
    }
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
        s.token_hash = p.token_hash;
        s.reached_view = p.reached_view;
        s.site = p.site;
        if (p.slot) s.sketch_slot = p.slot->stored();
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
