// Filmmakers' reports (docs/reports.md). Organizers make, list and revoke a film's report links, each
// audited; whoever holds a link's token reads the film's audience over its whole run, as JSON or CSV,
// computed by the same catalog functions and written by the same JSON as the organizers' statistics.
#include <charconv>

#include "catalog/audit_log.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/feedback.hpp"
#include "catalog/feedback_export.hpp"
#include "catalog/filmmaker_links.hpp"
#include "catalog/film_texts.hpp"
#include "catalog/films.hpp"
#include "catalog/stats.hpp"
#include "catalog/viewer_sketch.hpp"
#include "server/api/handlers.hpp"

namespace festival::server {
namespace {

constexpr int max_report_comments = 1000;  // the newest; the report says how many there are in all

catalog::audit_actor actor_of(const http_request& request) {
    return {request.session->user.id, request.session->user.email};
}

catalog::film film_for_links(festival_app& app, const http_request& request) {
    auto found = catalog::find_film_by_key(app.catalog.local(), request.params.at("key"));
    if (!found) throw http_error(404, "film_not_found", "no film '" + request.params.at("key") + "'");
    return std::move(*found);
}

std::string text_field(const nlohmann::json& body, const char* name) {
    if (!body.contains(name) || body[name].is_null()) return "";
    if (!body[name].is_string()) throw http_error(400, "invalid_body", std::string("'") + name + "' must be text");
    return body[name].get<std::string>();
}

// The film's title in the report's language, else in the pages' fallback order, else its original
// title; with the language it is in.
std::pair<std::string, std::string> title_in(const catalog::film& film, const std::string& language) {
    auto chosen = catalog::film_title_in(film, language);
    return {std::move(chosen.text), std::move(chosen.language)};
}

// The figures of one film over a range, exactly as the organizers' per-film table reads them.
catalog::audience_totals film_totals(catalog::database& db, std::int64_t film_id, const catalog::day_range& range) {
    for (const auto& f : catalog::per_film_totals(db, range))
        if (f.film_id == film_id) return f.totals;
    return {};
}

// One row per day the film had any activity: the organizers' figures for that film with that day as range.
nlohmann::json film_days(catalog::database& db, std::int64_t film_id) {
    nlohmann::json days = nlohmann::json::array();
    for (const auto& d : catalog::daily_totals(db, {})) {
        for (const auto& f : catalog::per_film_totals(db, {d.day, d.day})) {
            if (f.film_id != film_id) continue;
            auto row = audience_totals_json(f.totals);
            row["day"] = catalog::day_text(d.day);
            days.push_back(std::move(row));
        }
    }
    return days;
}

nlohmann::json ratings_json(catalog::database& db, std::int64_t film_id) {
    const auto summary = catalog::film_ratings(db, film_id);
    return {{"count", summary.count},
            {"average", summary.average ? nlohmann::json(*summary.average) : nlohmann::json(nullptr)},
            {"distribution", catalog::film_rating_distribution(db, film_id)}};
}

nlohmann::json comments_json(catalog::database& db, std::int64_t film_id, std::int64_t& total) {
    catalog::comment_query query;
    query.status = catalog::comment_status::approved;
    query.film_id = film_id;
    query.limit = max_report_comments;
    const auto page = catalog::list_comments(db, query);
    total = page.total;
    nlohmann::json comments = nlohmann::json::array();
    for (const auto& c : page.items) comments.push_back({{"text", c.text}, {"language", c.lang}, {"created_at", c.created_at}});
    return comments;
}

// Everything a report shows: the film, and its audience since the festival began.
nlohmann::json report_json(catalog::database& db, const catalog::filmmaker_link& link, const catalog::film& film) {
    const catalog::day_range whole_run{};
    const auto [title, title_language] = title_in(film, link.language);
    const auto retention = catalog::film_retention(db, film.id, whole_run);
    const auto people = catalog::whole_run_unique_viewers(db, film.id);
    nlohmann::json countries = nlohmann::json::array();
    for (const auto& c : catalog::per_country_totals(db, whole_run, film.id)) countries.push_back(country_totals_json(c));
    auto days = film_days(db, film.id);
    std::int64_t comments_total = 0;
    auto comments = comments_json(db, film.id, comments_total);
    const auto day_or_null = [&](bool first) {
        return days.empty() ? nlohmann::json(nullptr) : (first ? days.front() : days.back())["day"];
    };
    return {{"language", link.language},
            {"generated_at", catalog::utc_now()},
            {"film", {{"id", film.id},
                      {"slug", film.slug},
                      {"title", title},
                      {"title_language", title_language.empty() ? nlohmann::json(nullptr) : nlohmann::json(title_language)},
                      {"original_title", film.original_title},
                      {"year", film.year ? nlohmann::json(*film.year) : nlohmann::json(nullptr)},
                      {"directors", film.directors},
                      {"runtime_minutes", film.runtime_minutes ? nlohmann::json(*film.runtime_minutes) : nlohmann::json(nullptr)},
                      // The poster route shows unpublished films' posters to staff only.
                      {"poster", film.published && film.poster ? nlohmann::json(*film.poster) : nlohmann::json(nullptr)}}},
            {"range", {{"from", day_or_null(true)}, {"to", day_or_null(false)}}},
            {"totals", audience_totals_json(film_totals(db, film.id, whole_run))},
            {"whole_run", {{"unique_viewers", people.estimate}, {"relative_error", people.relative_error}}},
            {"retention", {{"measured_plays", retention.measured_plays}, {"share", retention.share}}},
            {"countries", std::move(countries)},
            {"ratings", ratings_json(db, film.id)},
            {"comments", std::move(comments)},
            {"comments_total", comments_total},
            {"days", std::move(days)}};
}

// The report a token opens, its statistics up to the last second; nullopt for an unknown or revoked token.
std::optional<nlohmann::json> open_report(festival_app& app, const http_request& request) {
    auto& db = app.catalog.local();
    const auto link = catalog::find_filmmaker_link_by_token(db, request.params.at("token"));
    if (!link) return std::nullopt;
    const auto film = catalog::find_film(db, link->film_id);
    if (!film) return std::nullopt;
    app.audience.flush(db);
    return report_json(db, *link, *film);
}

http_response report_not_found() {
    auto response = error_response(404, "not_found", "this report link does not exist or was revoked");
    add_report_headers(response);
    return response;
}

// One CSV line of cells written as the statistics' exports write theirs.
void csv_row(std::string& out, const std::vector<nlohmann::json>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i) out += ',';
        out += stats_csv_cell(cells[i]);
    }
    out += "\r\n";
}

// Summary rows (figure, value), then the per-day table, then the countries, separated by empty lines.
std::string report_csv(const nlohmann::json& report) {
    const auto& totals = report["totals"];
    std::string out(catalog::utf8_bom);
    csv_row(out, {"figure", "value"});
    csv_row(out, {"film", report["film"]["title"]});
    csv_row(out, {"original_title", report["film"]["original_title"]});
    csv_row(out, {"from", report["range"]["from"]});
    csv_row(out, {"to", report["range"]["to"]});
    for (const char* name : {"plays", "views", "unique_viewers", "watch_hours", "completion", "measured_plays",
                             "completed", "peak_live"})
        csv_row(out, {name, totals[name]});
    csv_row(out, {"whole_run_unique_viewers", report["whole_run"]["unique_viewers"]});
    csv_row(out, {"whole_run_relative_error", report["whole_run"]["relative_error"]});
    csv_row(out, {"ratings", report["ratings"]["count"]});
    csv_row(out, {"average_rating", report["ratings"]["average"]});
    for (int stars = 1; stars <= 5; ++stars)
        csv_row(out, {"ratings_" + std::to_string(stars) + "_stars", report["ratings"]["distribution"][stars - 1]});
    csv_row(out, {"approved_comments", report["comments_total"]});
    out += "\r\n";
    static const std::vector<nlohmann::json> day_columns = {"day", "plays", "views", "unique_viewers",
                                                            "watch_hours", "peak_live", "completion"};
    csv_row(out, day_columns);
    for (const auto& day : report["days"]) {
        std::vector<nlohmann::json> cells;
        for (const auto& column : day_columns) cells.push_back(day[column.get<std::string>()]);
        csv_row(out, cells);
    }
    out += "\r\n";
    csv_row(out, {"country", "plays", "views", "watch_hours"});
    for (const auto& c : report["countries"]) csv_row(out, {c["country"], c["plays"], c["views"], c["watch_hours"]});
    return out;
}

}  // namespace

http_response create_report_link(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto film = film_for_links(app, request);
    const auto body = request.json_body();
    if (!body.is_object()) throw http_error(400, "invalid_body", "expected {\"language\", \"label\"}");
    auto& db = app.catalog.local();
    catalog::transaction tx(db);
    const auto made = catalog::create_filmmaker_link(db, film.id, text_field(body, "language"), text_field(body, "label"),
                                                     request.session->user.id);
    catalog::record_audit(db, actor_of(request), "report_link.create", "film:" + std::to_string(film.id),
                          {{"link", made.link.id}, {"language", made.link.language}, {"label", made.link.label}});
    tx.commit();
    auto out = catalog::filmmaker_link_to_json(made.link);
    out["token"] = made.token;
    out["url"] = "/" + made.link.language + "/report/" + made.token;
    return http_response::json(201, out);
}

http_response list_report_links(festival_app& app, http_request& request) {
    const auto film = film_for_links(app, request);
    auto links = nlohmann::json::array();
    for (const auto& link : catalog::list_filmmaker_links(app.catalog.local(), film.id))
        links.push_back(catalog::filmmaker_link_to_json(link));
    return http_response::json(200, {{"film_id", film.id}, {"links", std::move(links)}});
}

http_response revoke_report_link(festival_app& app, http_request& request) {
    const auto& text = request.params.at("id");
    std::int64_t id = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error != std::errc() || end != text.data() + text.size() || id <= 0)
        throw http_error(404, "report_link_not_found", "no such report link");
    auto& db = app.catalog.local();
    catalog::transaction tx(db);
    // Revoking twice keeps the first time, and the audit log records only the change.
    if (catalog::revoke_filmmaker_link(db, id)) {
        const auto link = catalog::find_filmmaker_link(db, id);
        catalog::record_audit(db, actor_of(request), "report_link.revoke", "film:" + std::to_string(link->film_id),
                              {{"link", id}, {"language", link->language}, {"label", link->label}});
    }
    tx.commit();
    return http_response::no_content();
}

http_response get_report(festival_app& app, http_request& request) {
    const auto report = open_report(app, request);
    if (!report) return report_not_found();
    auto response = http_response::json(200, *report);
    add_report_headers(response);
    return response;
}

http_response get_report_csv(festival_app& app, http_request& request) {
    const auto report = open_report(app, request);
    if (!report) return report_not_found();
    http_response response;
    response.status = 200;
    response.body = report_csv(*report);
    response.set_header("Content-Type", "text/csv; charset=utf-8");
    response.set_header("Content-Disposition",
                        "attachment; filename=\"report-" + (*report)["film"]["slug"].get<std::string>() + ".csv\"");
    add_report_headers(response);
    return response;
}

}  // namespace festival::server
