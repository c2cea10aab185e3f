#include "server/api/viewer_rights.hpp"

#include "catalog/clock.hpp"
#include "catalog/screening_window.hpp"
#include "server/api/film_lookup.hpp"
#include "server/api/handlers.hpp"
#include "server/api/media_urls.hpp"

namespace festival::server {
namespace {

nlohmann::json time_or_null(const std::optional<std::int64_t>& unix_seconds) {
    return unix_seconds ? nlohmann::json(catalog::format_utc(*unix_seconds)) : nlohmann::json(nullptr);
}

nlohmann::json pass_json(const catalog::film_rights& rights, const catalog::viewer_pass& pass) {
    return {{"registered_at", catalog::format_utc(pass.registered_at)},
            {"started_at", time_or_null(pass.started_at)},
            {"start_until", time_or_null(pass.started_at ? std::nullopt : catalog::start_until(rights, pass))},
            {"watch_until", time_or_null(catalog::watch_until(rights, pass))}};
}

}  // namespace

geo::country_code request_country(const festival_app& app, const http_request& request) {
    return app.geo ? app.geo->country_of(request.remote_address) : geo::country_code();
}

std::optional<rights_refusal> country_refusal(const festival_app& app, const country_rule& rule,
                                              const http_request& request) {
    if (rule.everywhere() || !app.geo || rule.allows(request_country(app, request))) return std::nullopt;
    return rights_refusal{"rights_country", "this film may not be shown in your country"};
}

rights_refusal refusal_of(catalog::pass_refusal refusal) {
    switch (refusal) {
        case catalog::pass_refusal::views:
            return {"rights_views", "this film has had every view its rights allow"};
        case catalog::pass_refusal::start_window:
            return {"rights_start_window", "the time to start this film has passed"};
        case catalog::pass_refusal::watch_window:
            return {"rights_watch_window", "the time to watch this film has passed"};
        case catalog::pass_refusal::none: break;
    }
    throw std::logic_error("refusal_of: no refusal");
}

nlohmann::json refusal_json(const rights_refusal& refusal) {
    return {{"code", refusal.code}, {"message", refusal.message}};
}

void refuse(const rights_refusal& refusal) { throw http_error(403, refusal.code, refusal.message); }

std::int64_t rights_now(const festival_app& app) { return app.audience.now_ms() / 1000; }

nlohmann::json films_json_for(festival_app& app, const http_request& request, const std::vector<catalog::film>& films,
                              std::int64_t now) {
    std::vector<std::int64_t> ids;
    for (const auto& f : films) ids.push_back(f.id);
    const auto rules = catalog::rights_of_films(app.catalog.local(), ids);
    auto items = nlohmann::json::array();
    for (const auto& f : films) {
        const auto found = rules.find(f.id);
        const auto rights = found == rules.end() ? catalog::film_rights{} : found->second;
        viewer_access access;
        access.rights = catalog::rights_to_json(rights);
        access.required = rights.gated();
        if (const auto refused = country_refusal(app, country_rule(rights.countries), request))
            access.refusal = refusal_json(*refused);
        items.push_back(film_json(f, now, app.media_tokens, access));
    }
    return items;
}

nlohmann::json film_json_for(festival_app& app, const http_request& request, const catalog::film& film, std::int64_t now) {
    return films_json_for(app, request, {film}, now)[0];
}

http_response post_film_access(festival_app& app, http_request& request) {
    const auto film = load_visible_film(app, request);
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("pass") || !body["pass"].is_string() ||
        !catalog::pass_shaped(body["pass"].get<std::string>()))
        throw http_error(400, "invalid_pass", "send {\"pass\": 32 lower-case hexadecimal digits}");
    const auto now = catalog::unix_now();
    if (!film.media_version || !catalog::screening_window_of(film).screening_at(now))
        throw http_error(403, "not_screening", "this film is not screening now");
    const auto rights = catalog::film_rights_of(app.catalog.local(), film.id);
    if (const auto refused = country_refusal(app, country_rule(rights.countries), request)) refuse(*refused);
    nlohmann::json pass = nullptr;
    if (rights.gated()) {
        const auto admission =
            catalog::admit_pass(app.catalog.local(), film.id, rights, body["pass"].get<std::string>(), rights_now(app), false);
        if (admission.refusal != catalog::pass_refusal::none) refuse(refusal_of(admission.refusal));
        pass = pass_json(rights, admission.pass);
    }
    return http_response::json(200, {{"media", viewer_media_json(film, now, app.media_tokens)}, {"pass", pass}});
}

}  // namespace festival::server
