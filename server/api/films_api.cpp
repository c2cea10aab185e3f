// GET/POST/PATCH/DELETE /api/films…: the catalog as JSON.
#include <charconv>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/film_curators.hpp"
#include "catalog/film_json.hpp"
#include "catalog/film_rights.hpp"
#include "catalog/jobs.hpp"
#include "catalog/uploads.hpp"
#include "server/api/film_files.hpp"
#include "server/api/film_access.hpp"
#include "server/api/film_lookup.hpp"
#include "server/api/handlers.hpp"
#include "server/api/media_urls.hpp"
#include "server/api/viewer_rights.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

std::optional<catalog::screening_state> screening_param(const http_request& request) {
    const auto text = request.query_param("screening");
    if (!text || text->empty()) return std::nullopt;
    if (*text == "now") return catalog::screening_state::now;
    if (*text == "upcoming") return catalog::screening_state::upcoming;
    if (*text == "ended") return catalog::screening_state::ended;
    if (*text == "unpublished") return catalog::screening_state::unpublished;
    throw http_error(400, "invalid_query", "'screening' must be now, upcoming, ended or unpublished");
}

std::optional<catalog::access_feature> access_param(const http_request& request) {
    const auto text = request.query_param("access");
    if (!text || text->empty()) return std::nullopt;
    if (*text == "audio_description") return catalog::access_feature::audio_description;
    if (*text == "subtitles") return catalog::access_feature::subtitles;
    if (*text == "both") return catalog::access_feature::both;
    throw http_error(400, "invalid_query", "'access' must be audio_description, subtitles or both");
}

}  // namespace

catalog::film load_visible_film(festival_app& app, const http_request& request) {
    auto found = catalog::find_film_by_key(app.catalog.local(), request.params.at("key"));
    if (!found || (!found->published && !request.session))
        throw http_error(404, "film_not_found", "no film '" + request.params.at("key") + "'");
    return *found;
}

catalog::film load_film_for_change(festival_app& app, const http_request& request) {
    auto found = catalog::find_film_by_key(app.catalog.local(), request.params.at("key"));
    if (!found) throw http_error(404, "film_not_found", "no film '" + request.params.at("key") + "'");
    require_film_access(app, request, found->id);
    return *found;
}

http_response list_films(festival_app& app, http_request& request) {
    catalog::film_query query;
    query.category = request.query_param("category");
    query.country = request.query_param("country");
    query.language = request.query_param("language");
    query.tag = request.query_param("tag");
    query.text = request.query_param("q");
    if (query.text && query.text->size() > 200) throw http_error(400, "invalid_query", "'q' is too long");
    query.screening = screening_param(request);
    query.access = access_param(request);
    // Curators may ask for unpublished films too.
    query.published_only = !(request.session && request.query_param("include") == "unpublished");
    if (!request.session && query.screening == catalog::screening_state::unpublished)
        throw http_error(401, "not_signed_in", "sign in to list unpublished films");
    const int page = request.query_number("page", 1, 100000);
    const int per_page = request.query_number("per_page", 24, 100);
    query.limit = per_page;
    query.offset = (page - 1) * per_page;
    const auto now = catalog::unix_now();
    const auto result = catalog::list_films(app.catalog.local(), query, now);
    auto items = films_json_for(app, request, result.items, now);
    // The curators' list also says where each film's newest transcode stands: one query for the page.
    if (!query.published_only) {
        std::vector<std::int64_t> ids;
        for (const auto& f : result.items) ids.push_back(f.id);
        const auto latest = catalog::latest_jobs(app.catalog.local(), ids);
        for (std::size_t i = 0; i < result.items.size(); ++i) {
            const auto it = latest.find(result.items[i].id);
            items[i]["latest_job"] = it == latest.end() ? nlohmann::json(nullptr) : catalog::job_to_json(it->second);
            items[i]["pending_media"] = pending_media_json(result.items[i]);
        }
        add_staff_fields(app, *request.session, result.items, items);
    }
    return http_response::json(200, {{"items", items}, {"total", result.total}, {"page", page}, {"per_page", per_page}});
}

http_response get_film(festival_app& app, http_request& request) {
    const auto film = load_visible_film(app, request);
    // A transcoder or `festival import` (other processes) may have just changed the film: /media must
    // serve what this answer names, when it says it screens.
    if (const auto known = app.availability.find(film.id);
        !known || known->media_version != film.media_version || known->window != catalog::screening_window_of(film))
        app.refresh_availability();
    auto items = nlohmann::json::array({film_json_for(app, request, film, catalog::unix_now())});
    items[0]["premieres"] = film_premieres_json(app, film.id);
    if (request.session) {
        add_staff_fields(app, *request.session, {film}, items);
        items[0]["pending_media"] = pending_media_json(film);
    }
    return http_response::json(200, items[0]);
}

http_response create_film(festival_app& app, http_request& request) {
    require_json_content(request);
    auto& db = app.catalog.local();
    catalog::transaction tx(db);
    const auto body = request.json_body();
    const auto created = catalog::create_film(db, catalog::film_from_json(body));
    if (body.is_object() && body.contains("rights"))
        catalog::set_film_rights(db, created.id, catalog::rights_from_json(body["rights"]));
    // A curator's new film is theirs; an organizer's waits for an organizer to assign it.
    if (request.session->user.role == catalog::role::curator) catalog::assign_film_curator(db, created.id, request.session->user.id);
    tx.commit();
    app.refresh_availability();
    auto response = http_response::json(201, film_json_for(app, request, created, catalog::unix_now()));
    response.set_header("Location", "/api/films/" + std::to_string(created.id));
    return response;
}

http_response patch_film(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto body = request.json_body();
    const auto stored = load_film_for_change(app, request);
    auto& db = app.catalog.local();
    catalog::transaction tx(db);
    const auto updated = catalog::update_film(db, catalog::patch_film(stored, body));
    // "rights" merges like the rest of the film: a field sent replaces the stored one, null removes it.
    if (body.contains("rights")) {
        auto rights = catalog::rights_to_json(catalog::film_rights_of(db, stored.id));
        rights.merge_patch(body["rights"]);
        catalog::set_film_rights(db, stored.id, catalog::rights_from_json(rights));
    }
    tx.commit();
    app.refresh_availability();
    return http_response::json(200, film_json_for(app, request, updated, catalog::unix_now()));
}

http_response delete_film(festival_app& app, http_request& request) {
    const auto stored = load_film_for_change(app, request);
    auto& db = app.catalog.local();
    std::vector<std::string> uploads;
    for (const auto& u : catalog::list_film_uploads(db, stored.id)) uploads.push_back(u.id);
    catalog::delete_film(db, stored.id);
    app.refresh_availability();
    // After the commit: a crash here leaves files no film names, which the next deletion or worker
    // start removes; their id is never handed out again.
    remove_film_files(app, stored.id, uploads);
    return http_response::no_content();
}

// POST /api/films/{key}/versions/{version}/publish: a curator who previewed a new master's version
// makes it the one viewers get; the version it replaces stays served for the grace period.
http_response publish_film_version(festival_app& app, http_request& request) {
    const auto stored = load_film_for_change(app, request);
    const auto& text = request.params.at("version");
    std::int64_t version = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (ec != std::errc() || end != text.data() + text.size() || version <= 0)
        throw http_error(404, "version_not_found", "no version '" + text + "'");
    const auto published = catalog::publish_pending_version(app.catalog.local(), stored.id, version);
    app.refresh_availability();
    prune_film_versions(app, stored.id);
    log_event("version_published", {{"film", stored.id}, {"version", version}});
    auto body = film_json_for(app, request, published, catalog::unix_now());
    body["pending_media"] = pending_media_json(published);
    return http_response::json(200, body);
}

}  // namespace festival::server
