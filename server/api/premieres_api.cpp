// Premieres: organizers and a film's curators schedule and cancel them, anyone reads them and takes
// the calendar file; the film JSON lists a film's coming ones, the statistics their attendance.
// Answers carry the server's clock ("now", unix ms) so pages can follow the screening clock.
#include <cctype>
#include <charconv>
#include <chrono>
#include <map>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/premieres.hpp"
#include "server/api/calendar_file.hpp"
#include "server/api/film_access.hpp"
#include "server/api/film_lookup.hpp"
#include "server/api/handlers.hpp"
#include "server/api/page_urls.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

std::int64_t unix_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The running time of the film's current version, as its manifest says; nullopt when it cannot be
// read (the catalog then falls back on the film's runtime).
std::optional<double> current_version_duration(festival_app& app, const catalog::film& film) {
    if (!film.media_version) return std::nullopt;
    try {
        const auto seconds = media::read_version(app.settings->layout().version(film.id, *film.media_version)).duration_seconds;
        if (seconds > 0) return seconds;
    } catch (const std::exception& e) {
        log_event("premiere_duration_unread", {{"film", film.id}, {"version", *film.media_version}, {"error", e.what()}});
    }
    return std::nullopt;
}

catalog::premiere_request request_from_json(const nlohmann::json& body) {
    if (!body.is_object()) throw http_error(400, "invalid_body", "expected a JSON object");
    catalog::premiere_request r;
    const auto starts = body.find("starts_at");
    if (starts == body.end() || !starts->is_string())
        throw http_error(400, "invalid_time", "'starts_at': an ISO 8601 date and time with Z or an offset");
    r.starts_at = starts->get<std::string>();
    if (const auto qa = body.find("qa_minutes"); qa != body.end() && !qa->is_null()) {
        if (!qa->is_number_integer()) throw http_error(400, "invalid_qa_minutes", "'qa_minutes': whole minutes, 0 to 1440");
        const auto minutes = qa->get<std::int64_t>();
        if (minutes < 0 || minutes > 1440) throw http_error(400, "invalid_qa_minutes", "'qa_minutes': 0 to 1440");
        r.qa_minutes = static_cast<int>(minutes);
    }
    if (const auto note = body.find("note"); note != body.end() && !note->is_null()) {
        if (!note->is_string()) throw http_error(400, "invalid_note", "'note' must be text");
        r.note = note->get<std::string>();
    }
    return r;
}

catalog::premiere load_premiere(festival_app& app, const http_request& request) {
    const auto& text = request.params.at("id");
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    std::optional<catalog::premiere> found;
    if (ec == std::errc() && end == text.data() + text.size() && id > 0) found = catalog::find_premiere(app.catalog.local(), id);
    if (!found) throw http_error(404, "premiere_not_found", "no premiere '" + text + "'");
    return *found;
}

// A premiere and its film as anyone may see them: an unpublished film's premieres are staff's only.
std::pair<catalog::premiere, catalog::film> load_visible_premiere(festival_app& app, const http_request& request) {
    auto premiere = load_premiere(app, request);
    auto film = catalog::find_film(app.catalog.local(), premiere.film_id);
    if (!film || (!film->published && !request.session))
        throw http_error(404, "premiere_not_found", "no premiere '" + request.params.at("id") + "'");
    return {std::move(premiere), std::move(*film)};
}

nlohmann::json premiere_json(const catalog::premiere& p, const catalog::film& film, std::int64_t now_ms) {
    auto j = catalog::premiere_to_json(p, now_ms / 1000);
    j["title"] = film.original_title;
    return j;
}

}  // namespace

nlohmann::json film_premieres_json(festival_app& app, std::int64_t film_id) {
    const auto now_ms = unix_now_ms();
    nlohmann::json items = nlohmann::json::array();
    for (const auto& p : catalog::film_premieres(app.catalog.local(), film_id, now_ms / 1000))
        if (p.phase_at(now_ms / 1000) != catalog::premiere_phase::ended) {
            auto j = catalog::premiere_to_json(p, now_ms / 1000);
            j["now"] = now_ms;  // the film page's countdown follows the server's clock
            items.push_back(std::move(j));
        }
    return items;
}

nlohmann::json premiere_stats_rows(catalog::database& db) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& p : catalog::all_premieres(db))
        rows.push_back({{"id", p.id},
                        {"film", p.film_slug},
                        {"film_id", p.film_id},
                        {"starts_at", p.starts_at},
                        {"peak", p.peak_participants},
                        {"total", p.total_participants}});
    return rows;
}

http_response schedule_film_premiere(festival_app& app, http_request& request) {
    const auto film = load_film_for_change(app, request);  // who may, before what they sent
    require_json_content(request);
    auto r = request_from_json(request.json_body());
    r.duration_seconds = current_version_duration(app, film);
    const auto now_ms = unix_now_ms();
    const auto scheduled =
        catalog::schedule_premiere(app.catalog.local(), film.id, r, request.session->user.id, now_ms / 1000);
    log_event("premiere_scheduled", {{"premiere", scheduled.id}, {"film", film.id}, {"starts_at", scheduled.starts_at}});
    auto body = premiere_json(scheduled, film, now_ms);
    body["now"] = now_ms;
    auto response = http_response::json(201, body);
    response.set_header("Location", "/api/premieres/" + std::to_string(scheduled.id));
    return response;
}

http_response list_film_premieres(festival_app& app, http_request& request) {
    const auto film = load_visible_film(app, request);
    auto items = film_premieres_json(app, film.id);
    return http_response::json(200, {{"items", std::move(items)}, {"now", unix_now_ms()}});
}

http_response list_premieres(festival_app& app, http_request&) {
    auto& db = app.catalog.local();
    const auto now_ms = unix_now_ms();
    nlohmann::json items = nlohmann::json::array();
    std::map<std::int64_t, std::string> titles;
    for (const auto& p : catalog::all_premieres(db)) {
        auto title = titles.find(p.film_id);
        if (title == titles.end()) {
            const auto film = catalog::find_film(db, p.film_id);
            title = titles.emplace(p.film_id, film ? film->original_title : p.film_slug).first;
        }
        auto j = catalog::premiere_to_json(p, now_ms / 1000);
        j["title"] = title->second;
        items.push_back(std::move(j));
    }
    return http_response::json(200, {{"items", items}, {"now", now_ms}});
}

http_response get_premiere(festival_app& app, http_request& request) {
    const auto [premiere, film] = load_visible_premiere(app, request);
    const auto now_ms = unix_now_ms();
    auto body = premiere_json(premiere, film, now_ms);
    body["now"] = now_ms;
    return http_response::json(200, body);
}

http_response cancel_premiere(festival_app& app, http_request& request) {
    const auto premiere = load_premiere(app, request);
    require_film_access(app, request, premiere.film_id);
    catalog::cancel_premiere(app.catalog.local(), premiere.id);
    log_event("premiere_cancelled", {{"premiere", premiere.id}, {"film", premiere.film_id}});
    return http_response::no_content();
}

http_response get_premiere_calendar(festival_app& app, http_request& request) {
    const auto [premiere, film] = load_visible_premiere(app, request);
    const auto origin = site_origin(app, request);
    calendar_event event;
    event.uid = "premiere-" + std::to_string(premiere.id) + "@" + host_of(origin);
    event.stamp = catalog::unix_now();
    event.starts = premiere.starts_at_unix();
    event.ends = premiere.room_closes_unix();  // the film and its Q&A: the whole séance
    event.summary = film.original_title;
    event.description = premiere.note;
    event.url = origin + page_path("en", "premieres/" + std::to_string(premiere.id));
    http_response response;
    response.body = calendar_file({event});
    response.set_header("Content-Type", "text/calendar; charset=utf-8");
    response.set_header("Content-Disposition", "attachment; filename=\"premiere-" + std::to_string(premiere.id) + ".ics\"");
    response.set_header("Cache-Control", "no-store");
    return response;
}

}  // namespace festival::server
