#include "catalog/stats.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"

namespace festival::catalog {
namespace {

void add(minute_delta& into, const minute_delta& d) {
    into.plays += d.plays;
    into.views += d.views;
    into.watch_ms += d.watch_ms;
    into.peak_live = std::max(into.peak_live, d.peak_live);
}

void add_counts(country_delta& into, const country_delta& d) {
    into.plays += d.plays;
    into.views += d.views;
    into.watch_ms += d.watch_ms;
}

// Upserts one aggregate row: counts add up, the peak keeps its maximum.
void upsert_time_row(statement& st, std::int64_t film, std::int64_t bucket, const minute_delta& d) {
    st.reset();
    st.bind(1, film).bind(2, bucket).bind(3, d.plays).bind(4, d.views).bind(5, d.watch_ms).bind(6, d.peak_live).run();
}

// `table.column` plus the proposed row's value: PostgreSQL wants the stored row's columns qualified.
std::string add_excluded(const std::string& table, const std::string& column) {
    return column + " = " + table + "." + column + " + excluded." + column;
}

// The greater of the stored and the proposed value (no two-argument max() on PostgreSQL).
std::string keep_greater(const std::string& table, const std::string& column) {
    const auto stored = table + "." + column, proposed = "excluded." + column;
    return column + " = CASE WHEN " + stored + " > " + proposed + " THEN " + stored + " ELSE " + proposed + " END";
}

std::string time_upsert_sql(const std::string& table, const std::string& bucket) {
    return "INSERT INTO " + table + " (film_id, " + bucket +
           ", plays, views, watch_ms, peak_live) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (film_id, " + bucket +
           ") DO UPDATE SET " + add_excluded(table, "plays") + ", " + add_excluded(table, "views") + ", " +
           add_excluded(table, "watch_ms") + ", " + keep_greater(table, "peak_live");
}

// Adds plays, views and watch time to the rows per film, day and `column` (a country, a site) of `table`.
void add_film_day_rows(database& db, const std::string& table, const std::string& column,
                       const std::map<film_day_country, country_delta>& rows) {
    if (rows.empty()) return;
    auto row = db.prepare("INSERT INTO " + table + " (film_id, day, " + column +
                          ", plays, views, watch_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (film_id, day, " +
                          column + ") DO UPDATE SET " + add_excluded(table, "plays") + ", " +
                          add_excluded(table, "views") + ", " + add_excluded(table, "watch_ms"));
    for (const auto& [key, d] : rows) {
        row.reset();
        row.bind(1, std::get<0>(key)).bind(2, std::get<1>(key)).bind(3, std::get<2>(key));
        row.bind(4, d.plays).bind(5, d.views).bind(6, d.watch_ms).run();
    }
}

// The WHERE clause for a day range on a column, with its bound values appended to `values`.
std::string range_clause(const char* column, const day_range& range, std::vector<std::int64_t>& values) {
    std::string sql;
    if (range.from) {
        sql += std::string(" AND ") + column + " >= ?" + std::to_string(values.size() + 1);
        values.push_back(*range.from);
    }
    if (range.to) {
        sql += std::string(" AND ") + column + " <= ?" + std::to_string(values.size() + 1);
        values.push_back(*range.to);
    }
    return sql;
}

void bind_all(statement& st, const std::vector<std::int64_t>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) st.bind(static_cast<int>(i + 1), values[i]);
}

constexpr const char* day_sums =
    "SUM(plays), SUM(views), SUM(unique_viewers), SUM(watch_ms), MAX(peak_live), SUM(measured_plays), SUM(completed)";

audience_totals read_sums(const statement& st, int first) {
    audience_totals t;
    t.plays = st.is_null(first) ? 0 : st.int64(first);
    t.views = st.is_null(first + 1) ? 0 : st.int64(first + 1);
    t.unique_viewers = st.is_null(first + 2) ? 0 : st.int64(first + 2);
    t.watch_ms = st.is_null(first + 3) ? 0 : st.int64(first + 3);
    t.peak_live = st.is_null(first + 4) ? 0 : st.int64(first + 4);
    t.measured_plays = st.is_null(first + 5) ? 0 : st.int64(first + 5);
    t.completed = st.is_null(first + 6) ? 0 : st.int64(first + 6);
    return t;
}

}  // namespace

std::string day_text(std::int64_t unix_day) { return format_utc(unix_day * 86400).substr(0, 10); }

std::optional<std::int64_t> parse_day(const std::string& text) {
    if (text.size() != 10) return std::nullopt;
    const auto seconds = parse_utc(text);
    if (!seconds || day_text(*seconds / 86400) != text) return std::nullopt;  // rejects 2026-02-31
    return *seconds / 86400;
}

void stats_batch::merge(stats_batch&& later) {
    for (auto& [id, play] : later.plays) plays[id] = std::move(play);
    for (const auto& [key, d] : later.minutes) add(minutes[key], d);
    for (auto& [key, d] : later.days) {
        auto& into = days[key];
        into.measured_plays += d.measured_plays;
        into.completed += d.completed;
        for (const auto& [bucket, n] : d.retention) into.retention[bucket] += n;
        into.viewer_hashes.merge(d.viewer_hashes);
    }
    for (const auto& [minute, live] : later.festival_peak_live)
        festival_peak_live[minute] = std::max(festival_peak_live[minute], live);
    for (const auto& [key, d] : later.countries) add_counts(countries[key], d);
    for (const auto& [key, d] : later.sites) add_counts(sites[key], d);
    viewer_slots.insert(viewer_slots.end(), later.viewer_slots.begin(), later.viewer_slots.end());
}

void write_stats_batch(database& db, const stats_batch& batch) {
    if (batch.empty()) return;
    // On PostgreSQL the flush takes row locks only, not the catalog's write lock: every statement is
    // an upsert that adds to, keeps the greater of or replaces its row (a viewer hash counts once:
    // the second insert waits for the first and does nothing), so nodes flush side by side. Rows
    // are written in key order (ordered maps), the same on every node, so two flushes cannot deadlock.
    transaction tx(db, write_lock::rows);
    auto play = db.prepare(
        "INSERT INTO plays (id, film_id, viewer_hash, started_at, last_seen_at, runtime_seconds, played_ms, "
        "furthest_position, watched, viewed_at, completed, ended, token_hash, reached_view, site, sketch_slot) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT (id) DO UPDATE SET last_seen_at = "
        "excluded.last_seen_at, runtime_seconds = excluded.runtime_seconds, played_ms = excluded.played_ms, "
        "furthest_position = excluded.furthest_position, watched = excluded.watched, viewed_at = excluded.viewed_at, "
        "completed = excluded.completed, ended = excluded.ended, reached_view = excluded.reached_view");
    for (const auto& [id, p] : batch.plays) {
        play.reset();
        play.bind(1, id).bind(2, p.film_id).bind(3, p.viewer_hash).bind(4, p.started_ms).bind(5, p.last_ms);
        play.bind(6, p.runtime_seconds).bind(7, p.credited_ms).bind(8, p.furthest_position).bind(9, p.watched);
        play.bind(10, p.viewed_at_ms).bind(11, p.completed ? 1 : 0).bind(12, p.ended ? 1 : 0);
        play.bind(13, p.token_hash).bind(14, p.reached_view ? 1 : 0).bind(15, p.site).bind(16, p.sketch_slot).run();
    }

    auto minute_row = db.prepare(time_upsert_sql("stats_film_minute", "minute"));
    auto hour_row = db.prepare(time_upsert_sql("stats_film_hour", "hour"));
    std::map<std::pair<std::int64_t, std::int64_t>, minute_delta> hours, days;
    for (const auto& [key, d] : batch.minutes) {
        upsert_time_row(minute_row, key.first, key.second, d);
        add(hours[{key.first, key.second / 60}], d);
        add(days[{key.first, key.second / 1440}], d);
    }
    for (const auto& [key, d] : hours) upsert_time_row(hour_row, key.first, key.second, d);

    // The day rows also carry what plays started that day contributed.
    const std::string day_table = "stats_film_day";
    auto day_row = db.prepare(
        "INSERT INTO stats_film_day (film_id, day, plays, views, watch_ms, peak_live, measured_plays, completed, "
        "unique_viewers) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (film_id, day) DO UPDATE SET " +
        add_excluded(day_table, "plays") + ", " + add_excluded(day_table, "views") + ", " +
        add_excluded(day_table, "watch_ms") + ", " + keep_greater(day_table, "peak_live") + ", " +
        add_excluded(day_table, "measured_plays") + ", " + add_excluded(day_table, "completed") + ", " +
        add_excluded(day_table, "unique_viewers"));
    auto viewer = db.prepare(
        "INSERT INTO stats_viewers (film_id, day, viewer_hash) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (film_id, day, viewer_hash) DO NOTHING");
    auto retention = db.prepare(
        "INSERT INTO stats_retention (film_id, day, bucket, plays) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (film_id, day, bucket) DO UPDATE SET " + add_excluded("stats_retention", "plays"));
    std::set<std::pair<std::int64_t, std::int64_t>> keys;
    for (const auto& [key, d] : days) keys.insert(key);
    for (const auto& [key, d] : batch.days) keys.insert(key);
    for (const auto& key : keys) {
        const auto time_it = days.find(key);
        const minute_delta t = time_it == days.end() ? minute_delta{} : time_it->second;
        const auto play_it = batch.days.find(key);
        std::int64_t measured = 0, completed = 0, new_viewers = 0;
        if (play_it != batch.days.end()) {
            measured = play_it->second.measured_plays;
            completed = play_it->second.completed;
            for (const auto& hash : play_it->second.viewer_hashes) {
                viewer.reset();
                viewer.bind(1, key.first).bind(2, key.second).bind(3, hash).run();
                new_viewers += db.changes();
            }
            for (const auto& [bucket, n] : play_it->second.retention) {
                retention.reset();
                retention.bind(1, key.first).bind(2, key.second).bind(3, bucket).bind(4, n).run();
            }
        }
        day_row.reset();
        day_row.bind(1, key.first).bind(2, key.second).bind(3, t.plays).bind(4, t.views).bind(5, t.watch_ms);
        day_row.bind(6, t.peak_live).bind(7, measured).bind(8, completed).bind(9, new_viewers).run();
    }

    auto festival_peak = db.prepare(
        "INSERT INTO stats_festival_minute (minute, peak_live) VALUES (?1, ?2) ON CONFLICT (minute) DO UPDATE SET " +
        keep_greater("stats_festival_minute", "peak_live"));
    for (const auto& [minute, live] : batch.festival_peak_live) {
        festival_peak.reset();
        festival_peak.bind(1, minute).bind(2, live).run();
    }

    add_film_day_rows(db, "stats_film_day_country", "country", batch.countries);
    add_film_day_rows(db, "stats_film_day_site", "site", batch.sites);
    // In the same transaction as the views that fed them: a view and its viewer are written together.
    raise_sketch_registers(db, batch.viewer_slots);
    tx.commit();
}

audience_totals festival_totals(database& db, const day_range& range) {
    std::vector<std::int64_t> values;
    const auto where = range_clause("day", range, values);
    auto st = db.prepare(std::string("SELECT ") + day_sums + " FROM stats_film_day WHERE TRUE" + where);
    bind_all(st, values);
    st.step();
    auto totals = read_sums(st, 0);
    // Festival-wide peak: per film peaks do not add up, so it has its own per-minute samples.
    std::vector<std::int64_t> minute_values;
    std::string minute_where;
    if (range.from) {
        minute_where += " AND minute >= ?" + std::to_string(minute_values.size() + 1);
        minute_values.push_back(*range.from * 1440);
    }
    if (range.to) {
        minute_where += " AND minute < ?" + std::to_string(minute_values.size() + 1);
        minute_values.push_back((*range.to + 1) * 1440);
    }
    auto peak = db.prepare("SELECT MAX(peak_live) FROM stats_festival_minute WHERE TRUE" + minute_where);
    bind_all(peak, minute_values);
    peak.step();
    totals.peak_live = peak.is_null(0) ? 0 : peak.int64(0);
    return totals;
}

std::vector<day_totals> daily_totals(database& db, const day_range& range) {
    std::vector<std::int64_t> values;
    const auto where = range_clause("day", range, values);
    auto st = db.prepare(std::string("SELECT day, ") + day_sums + " FROM stats_film_day WHERE TRUE" + where +
                         " GROUP BY day ORDER BY day");
    bind_all(st, values);
    std::vector<day_totals> out;
    while (st.step()) out.push_back({st.int64(0), read_sums(st, 1)});
    if (out.empty()) return out;
    auto peaks = db.prepare(
        "SELECT minute / 1440, MAX(peak_live) FROM stats_festival_minute WHERE minute >= ?1 AND minute < ?2 "
        "GROUP BY minute / 1440");
    peaks.bind(1, out.front().day * 1440).bind(2, (out.back().day + 1) * 1440);
    std::map<std::int64_t, std::int64_t> by_day;
    while (peaks.step()) by_day[peaks.int64(0)] = peaks.int64(1);
    for (auto& d : out) d.totals.peak_live = by_day.count(d.day) ? by_day[d.day] : 0;
    return out;
}

std::vector<film_totals> per_film_totals(database& db, const day_range& range) {
    std::vector<std::int64_t> values;
    const auto where = range_clause("day", range, values);
    auto st = db.prepare(std::string("SELECT film_id, ") + day_sums + " FROM stats_film_day WHERE TRUE" + where +
                         " GROUP BY film_id ORDER BY film_id");
    bind_all(st, values);
    std::vector<film_totals> out;
    while (st.step()) out.push_back({st.int64(0), read_sums(st, 1)});
    return out;
}

retention_curve film_retention(database& db, std::int64_t film_id, const day_range& range) {
    retention_curve curve;
    curve.share.assign(retention_buckets, 0.0);
    std::vector<std::int64_t> values{film_id};
    const auto where = range_clause("day", range, values);
    auto measured = db.prepare("SELECT SUM(measured_plays) FROM stats_film_day WHERE film_id = ?1" + where);
    bind_all(measured, values);
    measured.step();
    curve.measured_plays = measured.is_null(0) ? 0 : measured.int64(0);
    if (curve.measured_plays == 0) return curve;
    auto st = db.prepare("SELECT bucket, SUM(plays) FROM stats_retention WHERE film_id = ?1" + where +
                         " GROUP BY bucket");
    bind_all(st, values);
    while (st.step()) {
        const auto bucket = st.int64(0);
        if (bucket >= 0 && bucket < retention_buckets)
            curve.share[static_cast<std::size_t>(bucket)] = static_cast<double>(st.int64(1)) / curve.measured_plays;
    }
    return curve;
}

std::vector<std::pair<std::int64_t, std::int64_t>> live_by_minute(database& db, std::int64_t from_minute,
                                                                  std::int64_t to_minute,
                                                                  std::optional<std::int64_t> film_id) {
    auto st = db.prepare(film_id ? "SELECT minute, peak_live FROM stats_film_minute WHERE film_id = ?3 AND minute >= ?1 "
                                   "AND minute <= ?2 AND peak_live > 0 ORDER BY minute"
                                 : "SELECT minute, peak_live FROM stats_festival_minute WHERE minute >= ?1 AND "
                                   "minute <= ?2 ORDER BY minute");
    st.bind(1, from_minute).bind(2, to_minute);
    if (film_id) st.bind(3, *film_id);
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    while (st.step()) out.emplace_back(st.int64(0), st.int64(1));
    return out;
}

std::vector<std::pair<int, minute_delta>> hourly_totals(database& db, std::int64_t unix_day,
                                                        std::optional<std::int64_t> film_id) {
    auto st = db.prepare(std::string("SELECT hour, SUM(plays), SUM(views), SUM(watch_ms), MAX(peak_live) FROM "
                                     "stats_film_hour WHERE hour >= ?1 AND hour < ?2") +
                         (film_id ? " AND film_id = ?3" : "") + " GROUP BY hour ORDER BY hour");
    st.bind(1, unix_day * 24).bind(2, unix_day * 24 + 24);
    if (film_id) st.bind(3, *film_id);
    std::vector<std::pair<int, minute_delta>> out;
    while (st.step())
        out.emplace_back(static_cast<int>(st.int64(0) - unix_day * 24),
                         minute_delta{st.int64(1), st.int64(2), st.int64(3), st.int64(4)});
    if (film_id) return out;
    // Festival-wide peaks come from their own per-minute samples (per-film peaks do not add up).
    auto peaks = db.prepare(
        "SELECT minute / 60, MAX(peak_live) FROM stats_festival_minute WHERE minute >= ?1 AND minute < ?2 "
        "GROUP BY minute / 60");
    peaks.bind(1, unix_day * 1440).bind(2, unix_day * 1440 + 1440);
    std::map<std::int64_t, std::int64_t> by_hour;
    while (peaks.step()) by_hour[peaks.int64(0) - unix_day * 24] = peaks.int64(1);
    for (auto& [hour, totals] : out) totals.peak_live = by_hour.count(hour) ? by_hour[hour] : 0;
    return out;
}

std::vector<country_totals> per_country_totals(database& db, const day_range& range,
                                               std::optional<std::int64_t> film_id) {
    std::vector<std::int64_t> values;
    std::string where;
    if (film_id) {
        where = " AND film_id = ?1";
        values.push_back(*film_id);
    }
    where += range_clause("day", range, values);
    auto st = db.prepare("SELECT country, SUM(plays), SUM(views), SUM(watch_ms) FROM stats_film_day_country "
                         "WHERE TRUE" + where + " GROUP BY country ORDER BY SUM(views) DESC, country = '', country");
    bind_all(st, values);
    std::vector<country_totals> out;
    while (st.step()) out.push_back({st.text(0), st.int64(1), st.int64(2), st.int64(3)});
    return out;
}

std::vector<film_day_country_totals> film_day_country_rows(database& db, const day_range& range,
                                                           const std::optional<std::string>& country) {
    std::vector<std::int64_t> values;
    const auto where = range_clause("day", range, values);
    const auto country_parameter = "?" + std::to_string(values.size() + 1);
    auto st = db.prepare("SELECT film_id, day, country, plays, views, watch_ms FROM stats_film_day_country WHERE TRUE" +
                         where + (country ? " AND country = " + country_parameter : std::string()) +
                         " ORDER BY day, film_id, country");
    bind_all(st, values);
    if (country) st.bind(static_cast<int>(values.size() + 1), *country);
    std::vector<film_day_country_totals> out;
    while (st.step())
        out.push_back({st.int64(0), st.int64(1), {st.text(2), st.int64(3), st.int64(4), st.int64(5)}});
    return out;
}

std::vector<film_site_totals> per_site_totals(database& db, const day_range& range) {
    std::vector<std::int64_t> values;
    const auto where = range_clause("day", range, values);
    auto st = db.prepare("SELECT film_id, site, SUM(plays) AS plays, SUM(views) AS views, SUM(watch_ms) AS watch_ms "
                         "FROM stats_film_day_site WHERE TRUE" + where +
                         " GROUP BY film_id, site ORDER BY SUM(views) DESC, film_id, site");
    bind_all(st, values);
    std::vector<film_site_totals> out;
    while (st.step())
        out.push_back({st.int64("film_id"), st.text("site"), st.int64("plays"), st.int64("views"), st.int64("watch_ms")});
    return out;
}

std::vector<film_day_site_totals> film_day_site_rows(database& db, const day_range& range) {
    std::vector<std::int64_t> values;
    const auto where = range_clause("day", range, values);
    auto st = db.prepare("SELECT film_id, day, site, plays, views, watch_ms FROM stats_film_day_site WHERE TRUE" +
                         where + " ORDER BY day, film_id, site");
    bind_all(st, values);
    std::vector<film_day_site_totals> out;
    while (st.step())
        out.push_back({st.int64("day"),
                       {st.int64("film_id"), st.text("site"), st.int64("plays"), st.int64("views"), st.int64("watch_ms")}});
    return out;
}

std::optional<play_snapshot> find_play(database& db, const std::string& id) {
    auto st = db.prepare(
        "SELECT id, film_id, viewer_hash, started_at, last_seen_at, runtime_seconds, played_ms, furthest_position, "
        "watched, viewed_at, completed, ended, COALESCE(token_hash, ''), reached_view, site, sketch_slot FROM plays "
        "WHERE id = ?1");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    play_snapshot p;
    p.id = st.text(0);
    p.film_id = st.int64(1);
    p.viewer_hash = st.text(2);
    p.started_ms = st.int64(3);
    p.last_ms = st.int64(4);
    if (!st.is_null(5)) p.runtime_seconds = st.real(5);
    p.credited_ms = st.int64(6);
    p.furthest_position = st.real(7);
    p.watched = st.text(8);
    p.viewed_at_ms = st.optional_int64(9);
    p.completed = st.int64(10) != 0;
    p.ended = st.int64(11) != 0;
    p.token_hash = st.text(12);
    p.reached_view = st.int64(13) != 0;
    p.site = st.text(14);
    p.sketch_slot = st.optional_int64(15);
    return p;
}

std::int64_t prune_plays(database& db, std::int64_t before_ms) {
    auto st = db.prepare("DELETE FROM plays WHERE last_seen_at < ?1");
    st.bind(1, before_ms).run();
    return db.changes();
}

std::int64_t count_plays(database& db) {
    auto st = db.prepare("SELECT COUNT(*) FROM plays");
    st.step();
    return st.int64(0);
}

}  // namespace festival::catalog
