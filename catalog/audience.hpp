#pragma once
// The audience ledger: the accounting of plays in memory, as the definitions in docs/statistics.md
// say — capped watch time, views, completion, retention buckets, live counts and per-minute peaks.
// Pure logic over explicit times (unix milliseconds), so it is tested with a fake clock; the server
// wraps it in a mutex and drains its pending changes into SQLite once per second.
#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "catalog/stats.hpp"

namespace festival::catalog {

struct audience_rules {
    std::int64_t view_ms = 30'000;            // playback that makes a play a view …
    std::int64_t short_film_ms = 60'000;      // … or half the runtime for films shorter than this
    std::int64_t view_repeat_ms = 3'600'000;  // one view per viewer hash (and film) per this period
    std::int64_t tolerance_ms = 2'000;        // network jitter allowed over the wall time between heartbeats
    std::int64_t live_ms = 30'000;            // a play with a heartbeat this recent is live
    std::int64_t idle_expiry_ms = 600'000;    // a play without heartbeats this long has expired
    std::int64_t forget_ms = 3'600'000;       // an expired play is remembered (410) this long, then unknown
    double completion_share = 0.9;            // completed = reached this share of the runtime
    std::int64_t play_row_ms = 30'000;        // a playing play's row is rewritten at most this often
    int plays_per_viewer = 100;               // plays one viewer hash may hold in memory at once
    // Per address key (an IPv4 address or an IPv6 /64, whatever the user agent says):
    int open_plays_per_address = 20;          // plays open (not ended, not idle) at once
    int starts_per_address_minute = 10;       // play starts in any 60 s
    int viewers_per_address = 10;             // viewer hashes (so unique viewers) per film and day
    std::int64_t play_row_retention_ms = 2 * 86'400'000LL;  // a play's row is kept this long after its last report
    std::size_t watched_ranges_per_play = 32; // separate watched ranges a play remembers
};

struct viewer_heartbeat {
    double position = 0;  // seconds into the film
    double played = 0;    // seconds actually played since the previous heartbeat
};

enum class heartbeat_result { accepted, unknown, expired };

// Why a play could not start; `none` when it did. retry_after_ms says when trying again may work.
enum class start_refusal { none, too_many_open_plays, too_many_starts, too_many_viewers, too_many_plays };
struct start_result {
    start_refusal refusal = start_refusal::none;
    std::int64_t retry_after_ms = 0;
    explicit operator bool() const { return refusal == start_refusal::none; }
};

// What a rating needs to know of the play it comes from.
struct play_for_rating {
    std::int64_t film_id = 0;
    std::string viewer_hash;
    std::string token_hash;
    bool reached_view = false;
};

// What one heartbeat earned; exposed for tests of the math.
struct heartbeat_credit {
    std::int64_t credited_ms = 0;
    bool became_view = false;     // reached the threshold with this heartbeat (counted or not)
    bool counted_view = false;    // … and counted (not a repeat within the hour)
    bool became_complete = false;
};

// The threshold of playback (ms) that makes a play of this runtime a view.
std::int64_t view_threshold_ms(const std::optional<double>& runtime_seconds, const audience_rules& rules);
// The percent buckets a span [from, to] seconds of a film of `runtime` seconds covers: bucket k is
// [k·R/100, (k+1)·R/100), touched when the span overlaps it with positive length.
std::bitset<retention_buckets> buckets_of_span(double from, double to, double runtime);

// The positions of a film a play has watched: disjoint, sorted [from, to) ranges in seconds. Only
// credited playback adds to it, so its length never exceeds the credited time.
class watched_ranges {
public:
    // Adds [from, to); false (nothing added) when it would be a separate range beyond `max_ranges`.
    bool add(double from, double to, std::size_t max_ranges);
    // Seconds of [from, to) covered.
    double covered(double from, double to) const;
    const std::vector<std::pair<double, double>>& ranges() const { return ranges_; }

private:
    std::vector<std::pair<double, double>> ranges_;
};

struct live_counts {
    std::int64_t total = 0;
    std::map<std::int64_t, std::int64_t> by_film;
};

class audience_ledger {
public:
    explicit audience_ledger(audience_rules rules = {}) : rules_(rules) {}

    // A new play bound to its film and viewer hash. The id must be fresh (random, from the caller).
    // Refused (nothing recorded) when its address key already holds open_plays_per_address open plays,
    // started starts_per_address_minute plays in the last minute, or brought viewers_per_address other
    // viewer hashes for this film today; or when this viewer hash holds plays_per_viewer plays in
    // memory. An empty address key stands for the viewer hash. `token_hash` proves a rating's play.
    // `country` (ISO 3166 alpha-2, "" unknown) is where the viewer was at the start: the play's plays,
    // views and watch time are counted for it, and for `site` (the embedding site, "" = the festival's
    // own pages). `viewer_slot` is its viewer token's place in the whole-run sketches (none without a
    // token): added to the film's and the festival's sketch once the play is a counted view.
    start_result start_play(const std::string& id, std::int64_t film_id, const std::string& viewer_hash,
                            std::optional<double> runtime_seconds, std::int64_t now_ms,
                            const std::string& address_key = {}, const std::string& token_hash = {},
                            const std::string& country = {}, const std::string& site = {},
                            std::optional<sketch_slot> viewer_slot = std::nullopt);

    // Binding checks before a heartbeat: the play's film and viewer hash, when known and not expired.
    struct binding {
        std::int64_t film_id = 0;
        std::string viewer_hash;
        std::int64_t started_ms = 0;
        std::int64_t last_ms = 0;  // its last report to this ledger
    };
    std::optional<binding> find(const std::string& id, std::int64_t now_ms) const;
    heartbeat_result state(const std::string& id, std::int64_t now_ms) const;
    // The play as a rating sees it (expired plays too, until forgotten).
    std::optional<play_for_rating> rating_view(const std::string& id) const;

    // Credits a heartbeat (or the final one when `final`, which ends the play).
    heartbeat_result heartbeat(const std::string& id, const viewer_heartbeat& beat, bool final, std::int64_t now_ms,
                               heartbeat_credit* credit = nullptr);
    // Takes a play over from its catalog row (written by another node sharing the catalog), unless this
    // ledger knows it as recently: what it counted stays counted (a view, completion, retention buckets),
    // and later heartbeats credit only what they report. The watched ranges come back as the buckets
    // watched. False when this ledger's own state was kept.
    bool adopt(const play_snapshot& row, std::int64_t now_ms);
    // A view of this viewer hash counted at `at_ms` elsewhere (another node): a repeat within the
    // period is not counted here either.
    void note_counted_view(const std::string& viewer_hash, std::int64_t at_ms);
    // Sets the runtime of a play that did not have one (the player reports the media duration).
    void report_runtime(const std::string& id, double runtime_seconds);

    // Plays with a heartbeat in the last `live_ms`, not ended.
    live_counts live(std::int64_t now_ms) const;
    // Samples live counts into this minute's peaks (call about once a second).
    void sample_live(std::int64_t now_ms);
    // Forgets plays idle past expiry + forget_ms and view-repeat entries past their hour.
    void expire(std::int64_t now_ms);

    // The changes since the last call, for one SQLite transaction: every aggregate, and the rows of
    // plays that are new, ended or not saved for play_row_ms (all changed plays when `every_play`),
    // so thousands of plays playing at once do not rewrite thousands of rows every second.
    stats_batch take_pending(std::int64_t now_ms, bool every_play = false);
    const audience_rules& rules() const { return rules_; }

    // What a restarted server needs to go on exactly where this one stops (audience_state.cpp): the
    // plays with their accounting, the views counted in the repeat period and the address limits.
    // Not what is pending: that is written by this process. take_over replaces this ledger's plays.
    nlohmann::json hand_over_state() const;
    void take_over_state(const nlohmann::json& state);

private:
    struct play {
        std::int64_t film_id = 0;
        std::string viewer_hash;
        std::string country;  // ISO 3166 alpha-2 at the start, "" unknown
        std::string site;     // the embedding site's origin, "" = the festival's own pages
        std::optional<sketch_slot> slot;  // its viewer token's slot; the token itself is never kept
        std::int64_t started_ms = 0;
        std::int64_t last_ms = 0;
        std::optional<double> runtime;
        bool measured = false;  // counted in its day's measured plays (runtime became known)
        std::int64_t credited_ms = 0;
        double furthest = 0;
        watched_ranges ranges;  // what was watched, for retention and completion
        std::bitset<retention_buckets> watched;
        std::string token_hash;
        std::optional<std::int64_t> viewed_at;
        bool reached_view = false;
        bool completed = false;
        bool ended = false;
        std::optional<std::int64_t> saved_ms;  // when its row was last put in a batch
    };
    // Per address key: its plays that may still be open, its recent starts, and the viewer hashes
    // it brought per (film, day). Forgotten once none of these matter any more.
    struct address_activity {
        std::vector<std::string> plays;
        std::vector<std::int64_t> starts;
        std::map<std::pair<std::int64_t, std::int64_t>, std::unordered_set<std::string>> viewers;
    };
    bool expired(const play& p, std::int64_t now_ms) const;
    void measure(play& p);
    start_result admit(address_activity& a, std::int64_t film_id, const std::string& viewer_hash, std::int64_t now_ms);
    // Marks the retention buckets in [from, to) that the watched ranges now cover at least half of,
    // and completes the play once they cover completion_share of the runtime.
    void account_watched(play& p, double from, double to);
    country_delta& country_day(const play& p, std::int64_t now_ms);
    site_delta& site_day(const play& p, std::int64_t now_ms);

    audience_rules rules_;
    std::unordered_map<std::string, play> plays_;
    std::unordered_map<std::string, std::int64_t> last_counted_view_;  // viewer hash → when
    std::unordered_map<std::string, int> plays_per_viewer_;            // viewer hash → plays held
    std::unordered_map<std::string, address_activity> addresses_;      // address key → activity
    std::unordered_set<std::string> dirty_;  // plays changed since the last batch
    stats_batch pending_;
};

}  // namespace festival::catalog
