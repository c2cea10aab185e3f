// The organizers' statistics: totals, a per-day series, a per-film table, the viewers' countries, a
// film's retention curve, the live counter (server-sent events) and CSV/JSON exports. Organizers only
// (see routes.cpp).
#include <cmath>
#include <cstdio>
#include <map>

#include "catalog/feedback.hpp"
#include "catalog/feedback_export.hpp"
#include "catalog/films.hpp"
#include "catalog/stats.hpp"
#include "catalog/viewer_sketch.hpp"
#include "server/audience/audience_registry.hpp"
#include "server/api/handlers.hpp"

namespace festival::server {
namespace {

catalog::day_range range_of(const http_request& request) {
    catalog::day_range range;
    for (const char* name : {"from", "to"}) {
        const auto text = request.query_param(name);
        if (!text || text->empty()) continue;
        const auto day = catalog::parse_day(*text);
        if (!day) throw http_error(400, "invalid_query", std::string("'") + name + "': expected YYYY-MM-DD");
        (std::string(name) == "from" ? range.from : range.to) = day;
    }
    if (range.from && range.to && *range.from > *range.to)
        throw http_error(400, "invalid_query", "'from' must not be after 'to'");
    return range;
}

nlohmann::json range_json(const catalog::day_range& range) {
    auto day = [](const std::optional<std::int64_t>& d) {
        return d ? nlohmann::json(catalog::day_text(*d)) : nlohmann::json(nullptr);
    };
    return {{"from", day(range.from)}, {"to", day(range.to)}};
}

double hours(std::int64_t ms) { return static_cast<double>(ms) / 3'600'000.0; }

nlohmann::json totals_json(const catalog::audience_totals& t) {
    return {{"plays", t.plays},
            {"views", t.views},
            {"unique_viewers", t.unique_viewers},
            {"watch_seconds", static_cast<double>(t.watch_ms) / 1000.0},
            {"watch_hours", hours(t.watch_ms)},
            {"peak_live", t.peak_live},
            {"measured_plays", t.measured_plays},
            {"completed", t.completed},
            {"completion", t.completion()}};
}

// A country as the statistics show it: the ISO code, or null when unknown.
nlohmann::json country_json(const std::string& country) {
    return country.empty() ? nlohmann::json(nullptr) : nlohmann::json(country);
}

nlohmann::json country_figures(const catalog::country_totals& c) {
    return {{"country", country_json(c.country)},
            {"plays", c.plays},
            {"views", c.views},
            {"watch_seconds", static_cast<double>(c.watch_ms) / 1000.0},
            {"watch_hours", hours(c.watch_ms)}};
}

nlohmann::json country_rows(catalog::database& db, const catalog::day_range& range) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& c : catalog::per_country_totals(db, range)) rows.push_back(country_figures(c));
    return rows;
}

// `?country=FR` (any case) or `?country=unknown`; absent or empty: every country.
std::optional<std::string> country_filter(const http_request& request) {
    auto text = request.query_param("country").value_or("");
    if (text.empty()) return std::nullopt;
    if (text == "unknown") return std::string();
    for (auto& c : text) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (text.size() != 2 || text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
        throw http_error(400, "invalid_query", "'country': an ISO 3166 two-letter code, or 'unknown'");
    return text;
}

// The stored rows per day, film and country, with the film's slug and title.
nlohmann::json film_day_country_json(catalog::database& db, const catalog::day_range& range,
                                     const std::optional<std::string>& country) {
    std::map<std::int64_t, catalog::film> films;
    for (auto& f : catalog::list_all_films(db)) films.emplace(f.id, std::move(f));
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : catalog::film_day_country_rows(db, range, country)) {
        auto row = country_figures(r.totals);
        const auto film = films.find(r.film_id);
        row["day"] = catalog::day_text(r.day);
        row["film_id"] = r.film_id;
        row["slug"] = film == films.end() ? "" : film->second.slug;
        row["title"] = film == films.end() ? "" : film->second.original_title;
        rows.push_back(std::move(row));
    }
    return rows;
}

// People over the festival's whole run (the HyperLogLog sketches, docs/statistics.md): every view
// ever counted, whatever range the rest of the answer covers. Every film of the catalog is listed, 0
// when no viewer token earned a view of it.
nlohmann::json whole_run_json(catalog::database& db) {
    auto estimates = catalog::whole_run_unique_viewers_by_film(db);
    for (const auto& f : catalog::list_all_films(db)) estimates.try_emplace(f.id);
    const auto festival = estimates.find(catalog::festival_sketch);
    nlohmann::json films = nlohmann::json::array();
    for (const auto& [id, e] : estimates)
        if (id != catalog::festival_sketch) films.push_back({{"id", id}, {"unique_viewers", e.estimate}});
    return {{"unique_viewers", festival == estimates.end() ? 0 : festival->second.estimate},
            {"relative_error", catalog::sketch_relative_error()},
            {"films", std::move(films)}};
}

nlohmann::json site_figures(const catalog::film_site_totals& s) {
    return {{"film", s.film_id},
            {"site", s.site},
            {"plays", s.plays},
            {"views", s.views},
            {"watch_hours", hours(s.watch_ms)}};
}

// Plays per film and embedding site in the range; "" is the festival's own pages.
nlohmann::json site_rows(catalog::database& db, const catalog::day_range& range) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& s : catalog::per_site_totals(db, range)) rows.push_back(site_figures(s));
    return rows;
}

// The stored rows per day, film and site, with the film's slug and title (the export).
nlohmann::json film_day_site_json(catalog::database& db, const catalog::day_range& range) {
    std::map<std::int64_t, catalog::film> films;
    for (auto& f : catalog::list_all_films(db)) films.emplace(f.id, std::move(f));
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : catalog::film_day_site_rows(db, range)) {
        auto row = site_figures(r.totals);
        const auto film = films.find(r.totals.film_id);
        row["day"] = catalog::day_text(r.day);
        row["film_id"] = r.totals.film_id;
        row["slug"] = film == films.end() ? "" : film->second.slug;
        row["title"] = film == films.end() ? "" : film->second.original_title;
        rows.push_back(std::move(row));
    }
    return rows;
}

nlohmann::json live_json(const catalog::live_counts& live) {
    nlohmann::json films = nlohmann::json::object();
    for (const auto& [film, n] : live.by_film) films[std::to_string(film)] = n;
    return {{"total", live.total}, {"films", films}};
}

// Makes the last second's heartbeats visible before answering.
catalog::database& flushed_catalog(festival_app& app) {
    auto& db = app.catalog.local();
    app.audience.flush(db);
    return db;
}

nlohmann::json day_rows(catalog::database& db, const catalog::day_range& range) {
    nlohmann::json days = nlohmann::json::array();
    for (const auto& d : catalog::daily_totals(db, range)) {
        auto row = totals_json(d.totals);
        row["day"] = catalog::day_text(d.day);
        days.push_back(std::move(row));
    }
    return days;
}

// Every film of the catalog (and any deleted one that still has statistics), with its feedback.
nlohmann::json film_rows(catalog::database& db, const catalog::day_range& range, const catalog::live_counts& live) {
    std::map<std::int64_t, catalog::audience_totals> totals;
    for (const auto& f : catalog::per_film_totals(db, range)) totals[f.film_id] = f.totals;
    std::map<std::int64_t, catalog::film> films;
    for (auto& f : catalog::list_all_films(db)) films.emplace(f.id, std::move(f));
    for (const auto& [id, f] : films) totals.try_emplace(id);
    const auto feedback = catalog::feedback_counts_by_film(db);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [id, t] : totals) {
        auto row = totals_json(t);
        const auto film = films.find(id);
        row["film_id"] = id;
        row["slug"] = film == films.end() ? "" : film->second.slug;
        row["title"] = film == films.end() ? "" : film->second.original_title;
        const auto live_it = live.by_film.find(id);
        row["live"] = live_it == live.by_film.end() ? 0 : live_it->second;
        const auto counts = feedback.find(id);
        const auto& ratings = counts == feedback.end() ? catalog::rating_summary{} : counts->second.ratings;
        row["ratings"] = ratings.count;
        row["average_rating"] = ratings.average ? nlohmann::json(*ratings.average) : nlohmann::json(nullptr);
        row["comments"] = counts == feedback.end() ? 0 : counts->second.approved_comments;
        rows.push_back(std::move(row));
    }
    return rows;
}

// A CSV cell: text through the feedback exports' csv_field (quoted when needed, never read as a
// formula by a spreadsheet); numbers as they are.
std::string csv_cell(const nlohmann::json& value) {
    if (value.is_string()) return catalog::csv_field(value.get<std::string>());
    if (value.is_null()) return "";
    if (value.is_number_float()) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.6g", value.get<double>());
        return buffer;
    }
    return value.dump();
}

std::string to_csv(const nlohmann::json& rows, const std::vector<std::string>& columns) {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i) out += ',';
        out += columns[i];
    }
    out += "\r\n";
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (i) out += ',';
            out += csv_cell(row.contains(columns[i]) ? row[columns[i]] : nlohmann::json(nullptr));
        }
        out += "\r\n";
    }
    return out;
}

}  // namespace

nlohmann::json audience_totals_json(const catalog::audience_totals& totals) { return totals_json(totals); }
nlohmann::json country_totals_json(const catalog::country_totals& country) { return country_figures(country); }
std::string stats_csv_cell(const nlohmann::json& value) { return csv_cell(value); }

http_response get_stats(festival_app& app, http_request& request) {
    const auto range = range_of(request);
    auto& db = flushed_catalog(app);
    const auto live = app.audience.festival_live();
    return http_response::json(200, {{"range", range_json(range)},
                                     {"totals", totals_json(catalog::festival_totals(db, range))},
                                     {"live", live_json(live)},
                                     {"days", day_rows(db, range)},
                                     {"countries", country_rows(db, range)},
                                     {"films", film_rows(db, range, live)},
                                     {"whole_run", whole_run_json(db)},
                                     {"sites", site_rows(db, range)},
                                     {"premieres", premiere_stats_rows(db)}});
}

http_response get_film_retention(festival_app& app, http_request& request) {
    const auto range = range_of(request);
    auto& db = flushed_catalog(app);
    const auto film = catalog::find_film_by_key(db, request.params.at("key"));
    if (!film) throw http_error(404, "film_not_found", "no such film");
    const auto curve = catalog::film_retention(db, film->id, range);
    return http_response::json(200, {{"film_id", film->id},
                                     {"range", range_json(range)},
                                     {"measured_plays", curve.measured_plays},
                                     {"share", curve.share}});
}

http_response get_concurrency(festival_app& app, http_request& request) {
    const auto day_text = request.query_param("day");
    const auto day = day_text ? catalog::parse_day(*day_text)
                              : std::optional<std::int64_t>(catalog::day_of(app.audience.now_ms()));
    if (!day) throw http_error(400, "invalid_query", "'day': expected YYYY-MM-DD");
    auto& db = flushed_catalog(app);
    std::optional<std::int64_t> film_id;
    if (const auto key = request.query_param("film"); key && !key->empty()) {
        const auto film = catalog::find_film_by_key(db, *key);
        if (!film) throw http_error(404, "film_not_found", "no such film");
        film_id = film->id;
    }
    nlohmann::json minutes = nlohmann::json::array();
    for (const auto& [minute, live] : catalog::live_by_minute(db, *day * 1440, *day * 1440 + 1439, film_id))
        minutes.push_back({{"minute", minute - *day * 1440}, {"live", live}});
    nlohmann::json hours = nlohmann::json::array();
    for (const auto& [hour, t] : catalog::hourly_totals(db, *day, film_id))
        hours.push_back({{"hour", hour}, {"plays", t.plays}, {"views", t.views},
                         {"watch_hours", static_cast<double>(t.watch_ms) / 3'600'000.0}, {"peak_live", t.peak_live}});
    return http_response::json(200, {{"day", catalog::day_text(*day)},
                                     {"film_id", film_id ? nlohmann::json(*film_id) : nlohmann::json(nullptr)},
                                     {"minutes", minutes},
                                     {"hours", hours}});
}

http_response get_live_stats(festival_app& app, http_request&) {
    auto first = live_json(app.audience.festival_live());
    auto response = http_response::json(200, nlohmann::json::object());
    response.set_header("Content-Type", "text/event-stream");
    response.set_header("Cache-Control", "no-store");
    response.body = "data: " + first.dump() + "\n\n";
    auto stream = std::make_shared<event_stream>();
    stream->interval = std::chrono::milliseconds(1000);
    // Sends a new event only when the counts changed.
    stream->poll = [&app, last = std::make_shared<std::string>(first.dump())]() -> std::optional<std::string> {
        auto now = live_json(app.audience.festival_live()).dump();
        if (now == *last) return std::string();
        *last = now;
        return "data: " + now + "\n\n";
    };
    response.events = std::move(stream);
    return response;
}

http_response export_stats(festival_app& app, http_request& request) {
    const auto range = range_of(request);
    const auto format = request.query_param("format").value_or("csv");
    const auto table = request.query_param("table").value_or("films");
    if (format != "csv" && format != "json") throw http_error(400, "invalid_query", "'format': csv or json");
    if (table != "films" && table != "days" && table != "countries" && table != "sites")
        throw http_error(400, "invalid_query", "'table': films, days, countries or sites");
    const auto country = country_filter(request);
    auto& db = flushed_catalog(app);
    const auto rows = table == "films"  ? film_rows(db, range, app.audience.festival_live())
                      : table == "days" ? day_rows(db, range)
                      : table == "sites" ? film_day_site_json(db, range)
                                         : film_day_country_json(db, range, country);
    const std::string suffix = (range.from ? "-from-" + catalog::day_text(*range.from) : std::string()) +
                               (range.to ? "-to-" + catalog::day_text(*range.to) : std::string()) +
                               (table == "countries" && country ? "-" + (country->empty() ? "unknown" : *country)
                                                                : std::string());
    http_response response;
    if (format == "json") {
        response = http_response::json(200, {{"range", range_json(range)}, {table, rows}});
    } else {
        static const std::vector<std::string> film_columns = {
            "film_id", "slug", "title", "plays", "views", "unique_viewers", "watch_hours", "peak_live",
            "completion", "ratings", "average_rating", "comments"};
        static const std::vector<std::string> day_columns = {"day", "plays", "views", "unique_viewers",
                                                             "watch_hours", "peak_live", "completion"};
        response.status = 200;
        static const std::vector<std::string> country_columns = {"day",   "film_id", "slug",  "title",
                                                                 "country", "plays", "views", "watch_hours"};
        static const std::vector<std::string> site_columns = {"day",  "film_id", "slug",  "title",
                                                              "site", "plays",   "views", "watch_hours"};
        response.body = to_csv(rows, table == "films"  ? film_columns
                                     : table == "days"  ? day_columns
                                     : table == "sites" ? site_columns
                                                        : country_columns);
        response.set_header("Content-Type", "text/csv; charset=utf-8");
    }
    response.set_header("Content-Disposition",
                        "attachment; filename=\"festival-" + table + suffix + "." + format + "\"");
    response.set_header("Cache-Control", "no-store");
    return response;
}

}  // namespace festival::server
