#pragma once
// The festival's audience statistics in SQLite: the plays, and aggregates per film per minute, hour
// and day so the organizers' dashboard reads a few rows instead of every heartbeat. Writes come in
// batches (one transaction each) from the in-memory audience ledger; reads answer the dashboard.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "catalog/viewer_sketch.hpp"

namespace festival::catalog {

class database;

constexpr int retention_buckets = 100;  // one per percent of a film's runtime

// Unix days and minutes: time buckets as integers (UTC).
inline std::int64_t minute_of(std::int64_t unix_ms) { return unix_ms >= 0 ? unix_ms / 60000 : (unix_ms - 59999) / 60000; }
inline std::int64_t day_of(std::int64_t unix_ms) { return unix_ms >= 0 ? unix_ms / 86400000 : (unix_ms - 86399999) / 86400000; }
// "2026-05-01" for a unix day, and back (nullopt when malformed).
std::string day_text(std::int64_t unix_day);
std::optional<std::int64_t> parse_day(const std::string& text);

// A play as stored: its latest accounting.
struct play_snapshot {
    std::string id;
    std::int64_t film_id = 0;
    std::string viewer_hash;
    std::int64_t started_ms = 0;
    std::int64_t last_ms = 0;
    std::optional<double> runtime_seconds;
    std::int64_t credited_ms = 0;
    double furthest_position = 0;
    std::string watched;                    // retention_buckets characters, '1' = that percent watched
    std::optional<std::int64_t> viewed_at_ms;  // when it became a counted view
    bool completed = false;
    bool ended = false;
    std::string token_hash;     // BLAKE2b of the token its player was given: proves a rating's play
    bool reached_view = false;  // its credited time reached the view threshold (counted or not)
    std::string site;           // the embedding site's origin, "" = the festival's own pages
    std::optional<std::int64_t> sketch_slot;  // its viewer token's sketch_slot::stored(), never the token
};

// What happened during a minute for one film (the time it happened decides the minute).
struct minute_delta {
    std::int64_t plays = 0;     // plays started
    std::int64_t views = 0;     // counted views reached
    std::int64_t watch_ms = 0;  // credited playback
    std::int64_t peak_live = 0; // highest number of live plays seen (a maximum, not a sum)
};

// What plays started on a day contributed (the play's start day decides): the denominators and
// numerators of completion and retention, and the viewers.
struct play_day_delta {
    std::int64_t measured_plays = 0;  // plays whose runtime is known
    std::int64_t completed = 0;
    std::map<int, std::int64_t> retention;  // bucket → plays newly having watched it
    std::set<std::string> viewer_hashes;
};

// What plays from one country did for one film on one day: plays started, counted views and credited
// playback, each on the day of the minute it happened (as the film's day rows). The country is the
// viewer's when the play started: ISO 3166 alpha-2, "" when unknown. No address is kept, only it.
struct country_delta {
    std::int64_t plays = 0;
    std::int64_t views = 0;
    std::int64_t watch_ms = 0;
};
using film_day_country = std::tuple<std::int64_t, std::int64_t, std::string>;  // (film, unix day, country)
// The same per embedding site: the origin of the partner page that framed the player, when the film
// allows it, "" for the festival's own pages; attributed to days exactly as countries are.
using site_delta = country_delta;
using film_day_site = std::tuple<std::int64_t, std::int64_t, std::string>;  // (film, unix day, site)

// One batch for one transaction.
struct stats_batch {
    std::map<std::string, play_snapshot> plays;                        // by play id, latest state
    std::map<std::pair<std::int64_t, std::int64_t>, minute_delta> minutes;  // (film, unix minute)
    std::map<std::pair<std::int64_t, std::int64_t>, play_day_delta> days;   // (film, unix day)
    std::map<std::int64_t, std::int64_t> festival_peak_live;           // unix minute → live plays, all films
    std::map<film_day_country, country_delta> countries;
    std::map<film_day_site, site_delta> sites;
    // The viewer slots of plays that became counted views, by film: raise the film's and the festival's
    // whole-run sketches.
    std::vector<std::pair<std::int64_t, sketch_slot>> viewer_slots;
    bool empty() const {
        return plays.empty() && minutes.empty() && days.empty() && festival_peak_live.empty() && countries.empty() &&
               sites.empty() && viewer_slots.empty();
    }
    // Folds a later batch into this one (used when a write failed and is retried with the next).
    void merge(stats_batch&& later);
};

// Writes the batch in one transaction: play rows upserted, aggregates added (peaks maxed).
void write_stats_batch(database& db, const stats_batch& batch);

// An inclusive range of unix days; open ends when absent.
struct day_range {
    std::optional<std::int64_t> from;
    std::optional<std::int64_t> to;
};

struct audience_totals {
    std::int64_t plays = 0;
    std::int64_t views = 0;
    std::int64_t unique_viewers = 0;  // distinct (viewer, film, day) hashes
    std::int64_t watch_ms = 0;
    std::int64_t peak_live = 0;        // festival-wide, highest per-minute value
    std::int64_t measured_plays = 0;
    std::int64_t completed = 0;
    double completion() const { return measured_plays ? static_cast<double>(completed) / measured_plays : 0.0; }
};

struct day_totals {
    std::int64_t day = 0;
    audience_totals totals;
};

struct film_totals {
    std::int64_t film_id = 0;
    audience_totals totals;
};

audience_totals festival_totals(database& db, const day_range& range);
// One entry per day that has any activity, ascending.
std::vector<day_totals> daily_totals(database& db, const day_range& range);
// One entry per film with any activity, by film id.
std::vector<film_totals> per_film_totals(database& db, const day_range& range);
// Share of measured plays (started in the range) that watched each percent; empty shares when none.
struct retention_curve {
    std::int64_t measured_plays = 0;
    std::vector<double> share;  // retention_buckets values in [0, 1]
};
retention_curve film_retention(database& db, std::int64_t film_id, const day_range& range);
// Peak live plays per minute in [from_minute, to_minute], ascending (minutes with a sample only),
// festival-wide or for one film.
std::vector<std::pair<std::int64_t, std::int64_t>> live_by_minute(database& db, std::int64_t from_minute,
                                                                  std::int64_t to_minute,
                                                                  std::optional<std::int64_t> film_id = std::nullopt);
// Plays, views, watch time and peak live per hour of one unix day (hours with activity only),
// festival-wide or for one film.
std::vector<std::pair<int, minute_delta>> hourly_totals(database& db, std::int64_t unix_day,
                                                        std::optional<std::int64_t> film_id = std::nullopt);
// Plays, views and watch time per country ("" = unknown) in a range, festival-wide or for one film;
// most views first, then by code, unknown last.
struct country_totals {
    std::string country;
    std::int64_t plays = 0;
    std::int64_t views = 0;
    std::int64_t watch_ms = 0;
};
std::vector<country_totals> per_country_totals(database& db, const day_range& range,
                                               std::optional<std::int64_t> film_id = std::nullopt);
// The stored rows themselves, per film, day and country (one country only when given), by day, film, country.
struct film_day_country_totals {
    std::int64_t film_id = 0;
    std::int64_t day = 0;
    country_totals totals;
};
std::vector<film_day_country_totals> film_day_country_rows(database& db, const day_range& range,
                                                           const std::optional<std::string>& country = std::nullopt);
// Plays, views and watch time per embedding site ("" = the festival's own pages) and film in a range:
// most views first, then by film and site.
struct film_site_totals {
    std::int64_t film_id = 0;
    std::string site;
    std::int64_t plays = 0;
    std::int64_t views = 0;
    std::int64_t watch_ms = 0;
};
std::vector<film_site_totals> per_site_totals(database& db, const day_range& range);
// The stored rows per film, day and site, by day, film, site.
struct film_day_site_totals {
    std::int64_t day = 0;
    film_site_totals totals;
};
std::vector<film_day_site_totals> film_day_site_rows(database& db, const day_range& range);
std::optional<play_snapshot> find_play(database& db, const std::string& id);
// Deletes the rows of plays whose last report is older than `before_ms`; returns how many. The
// statistics come from the aggregates, which keep every play's contribution.
std::int64_t prune_plays(database& db, std::int64_t before_ms);
std::int64_t count_plays(database& db);

}  // namespace festival::catalog
