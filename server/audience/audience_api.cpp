// The player's reports: a play starts, heartbeats every ~10 s, a final beacon on page hide.
// Heartbeats stay in memory on the I/O thread; the audience writer stores them in batches. Each
// heartbeat is answered with the film's current media tokens, so the player goes on past a token's life.
#include <algorithm>
#include <cmath>

#include "catalog/clock.hpp"
#include "catalog/film_embeds.hpp"
#include "catalog/film_rights.hpp"
#include "catalog/films.hpp"
#include "server/audience/audience_registry.hpp"
#include "server/audience/viewer_token.hpp"
#include "server/api/handlers.hpp"
#include "server/api/media_token.hpp"
#include "server/api/viewer_rights.hpp"

namespace festival::server {
namespace {

audience_registry::viewer viewer_of(const festival_app& app, const http_request& request) {
    return {request.remote_address, std::string(request.header("user-agent").value_or("")),
            std::string(request_country(app, request).text())};
}

// A non-negative, finite number of seconds, or nullopt when absent.
std::optional<double> seconds_field(const nlohmann::json& body, const char* name, bool required) {
    if (!body.contains(name) || body[name].is_null()) {
        if (required) throw http_error(400, "invalid_field", std::string("field '") + name + "': seconds required");
        return std::nullopt;
    }
    if (!body[name].is_number() || !std::isfinite(body[name].get<double>()) || body[name].get<double>() < 0 ||
        body[name].get<double>() > 1e7)
        throw http_error(400, "invalid_field", std::string("field '") + name + "': a number of seconds ≥ 0");
    return body[name].get<double>();
}

// Play ids are 32 lower-case hex digits; anything else cannot be a play.
bool play_id_shaped(const std::string& id) {
    return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// This server is restarting and its successor holds the audience now: the client sends the same
// request again (307 keeps the method and body) on a new connection, which only the successor accepts.
http_response ask_the_successor(const http_request& request) {
    auto response = error_response(307, "server_restarting", "the server is restarting: send this again");
    response.set_header("Location", request.target);
    response.set_header("Cache-Control", "no-store");
    response.close_connection = true;
    return response;
}

// A heartbeat's answer: {"screening": true, "media_tokens": {"<version>": "<expires>-<sig>"}, "token_expires"}
// for every version /media serves now (the current one, and the previous during its grace period),
// or {"screening": false} once the film stopped screening: no token is issued for it any more. A play
// the film's rights no longer allow (its country, its pass's watch window) gets {"screening": false,
// "refusal": {code, message}}.
http_response media_tokens_answer(const festival_app& app, const http_request& request, std::int64_t film_id) {
    const auto now = catalog::unix_now();
    const auto window = app.availability.find(film_id);
    if (!window || !window->media_version || !film_availability::screening(*window, now))
        return http_response::json(200, {{"screening", false}});
    auto refused = country_refusal(app, window->countries, request);
    if (!refused)
        if (const auto until = app.deadlines.of(request.params.at("id")); until && rights_now(app) >= *until)
            refused = refusal_of(catalog::pass_refusal::watch_window);
    if (refused) return http_response::json(200, {{"screening", false}, {"refusal", refusal_json(*refused)}});
    nlohmann::json tokens = nlohmann::json::object();
    for (const auto version : {window->media_version, window->previous_version})
        if (version && film_availability::serves_version(*window, *version, now, app.settings->previous_version_grace_seconds))
            tokens[std::to_string(*version)] = app.media_tokens.issue(film_id, *version, now);
    return http_response::json(200, {{"screening", true},
                                     {"media_tokens", std::move(tokens)},
                                     {"token_expires", app.media_tokens.expires_at(now)}});
}

// Heartbeat and end share a body: {"position": s, "played": s, "duration"?: s, "film"?: id}. Any content
// type is accepted (sendBeacon sends text/plain); the body must still be JSON.
http_response report(festival_app& app, http_request& request, bool final) {
    nlohmann::json body;
    try {
        body = nlohmann::json::parse(request.body);
    } catch (const nlohmann::json::exception&) {  // bad syntax, or a number no double holds
        throw http_error(400, "malformed_json", "the body is not valid JSON: send {\"position\": seconds, \"played\": seconds}");
    }
    if (!body.is_object())
        throw http_error(400, "invalid_body", "the body must be a JSON object: {\"position\": seconds, \"played\": seconds}");
    catalog::viewer_heartbeat beat;
    beat.position = *seconds_field(body, "position", true);
    beat.played = *seconds_field(body, "played", true);
    const auto duration = seconds_field(body, "duration", false);
    std::optional<std::int64_t> film;
    if (body.contains("film") && !body["film"].is_null()) {
        if (!body["film"].is_number_integer()) throw http_error(400, "invalid_field", "field 'film': a film id");
        film = body["film"].get<std::int64_t>();
    }
    const auto& id = request.params.at("id");
    if (!play_id_shaped(id)) throw http_error(404, "play_not_found", "no such play");
    std::int64_t played_film = 0;
    const auto who = viewer_of(app, request);
    // Another node sharing the catalog may hold this play: its row is read off the I/O thread, on the
    // worker pool this same handler is sent to when the play is unknown or was quiet here.
    if (request.on_worker_pool) app.audience.adopt(app.catalog.local(), id);
    const auto outcome =
        app.audience.heartbeat(id, beat, final, who, film, duration, &played_film, !request.on_worker_pool);
    if (outcome == play_outcome::ask_catalog) {
        http_response again;
        again.to_worker_pool = true;
        return again;
    }
    switch (outcome) {
        case play_outcome::moved: return ask_the_successor(request);
        case play_outcome::accepted:
            return final ? http_response::no_content() : media_tokens_answer(app, request, played_film);
        case play_outcome::ask_catalog:
        case play_outcome::unknown: throw http_error(404, "play_not_found", "no such play");
        case play_outcome::expired: throw http_error(410, "play_expired", "this play has ended; start a new one");
        case play_outcome::not_yours: throw http_error(403, "play_not_yours", "this play belongs to another viewer");
        case play_outcome::other_film: throw http_error(409, "play_film_mismatch", "this play is of another film");
    }
    throw http_error(500, "internal_error", "unexpected heartbeat outcome");
}

// 429 with Retry-After: the address (an IPv4 address or an IPv6 /64) reached one of its play limits.
http_response refused_start(const catalog::start_result& result) {
    const char* code = "too_many_plays";
    const char* why = "too many plays from this address; try again later";
    switch (result.refusal) {
        case catalog::start_refusal::too_many_starts:
            code = "too_many_play_starts", why = "too many plays started from this address in the last minute";
            break;
        case catalog::start_refusal::too_many_open_plays:
            code = "too_many_open_plays", why = "too many plays open from this address; end one first";
            break;
        case catalog::start_refusal::too_many_viewers:
            code = "too_many_viewers", why = "too many viewers of this film from this address today";
            break;
        case catalog::start_refusal::too_many_plays:
        case catalog::start_refusal::none: break;
    }
    const auto seconds = std::max<std::int64_t>(1, (result.retry_after_ms + 999) / 1000);
    auto response = error_response(429, code, why);
    response.set_header("Retry-After", std::to_string(seconds));
    return response;
}

// A play start's optional "viewer" (the browser's viewer token: a malformed one is refused, never
// guessed at) and "site" (the embedding page's origin, sent by the embed page: kept only when the film
// may be embedded there, anything else counts as the festival's own pages, "").
audience_registry::play_origin play_origin_of(festival_app& app, std::int64_t film_id, const nlohmann::json& body) {
    audience_registry::play_origin origin;
    if (!body.is_object()) return origin;
    if (const auto viewer = body.find("viewer"); viewer != body.end() && !viewer->is_null()) {
        if (!viewer->is_string() || !viewer_token_shaped(viewer->get_ref<const std::string&>()))
            throw http_error(400, "invalid_viewer", "field 'viewer': the viewer token, 32 lower-case hexadecimal digits");
        origin.viewer_token = viewer->get<std::string>();
    }
    const auto site = body.find("site");
    if (site == body.end() || !site->is_string() || site->get_ref<const std::string&>().empty() ||
        site->get_ref<const std::string&>().size() > 2048)
        return origin;
    try {
        auto normalised = catalog::normalise_site(site->get<std::string>());
        if (catalog::find_film_embed(app.catalog.local(), film_id).allows(normalised)) origin.site = std::move(normalised);
    } catch (const catalog::catalog_error& e) {
        if (e.kind() != catalog::error_kind::invalid) throw;  // a bogus site is our own pages; a storage fault is not
    }
    return origin;
}

}  // namespace

http_response start_play(festival_app& app, http_request& request) {
    const auto film = catalog::find_film_by_key(app.catalog.local(), request.params.at("key"));
    const auto window = film ? app.availability.find(film->id) : std::nullopt;
    if (!film || !film->published) throw http_error(404, "film_not_found", "no such film");
    if (window && !film_availability::screening(*window, catalog::unix_now()))
        throw http_error(403, "not_screening", "this film is not screening now");
    const auto body = request.body.empty() ? nlohmann::json() : nlohmann::json::parse(request.body, nullptr, false);
    const auto origin = play_origin_of(app, film->id, body);
    // The film's rights (docs/rights.md): its countries, and for a gated film the viewer's pass, whose
    // first play start opens its watch window.
    const auto rights = catalog::film_rights_of(app.catalog.local(), film->id);
    if (const auto refused = country_refusal(app, country_rule(rights.countries), request)) refuse(*refused);
    std::optional<std::int64_t> watch_until;
    if (rights.gated()) {
        if (!body.is_object() || !body.contains("pass") || !body["pass"].is_string() ||
            !catalog::pass_shaped(body["pass"].get<std::string>()))
            throw http_error(400, "invalid_pass", "this film needs the viewer's pass: {\"pass\": 32 lower-case hexadecimal digits}");
        const auto admission =
            catalog::admit_pass(app.catalog.local(), film->id, rights, body["pass"].get<std::string>(), rights_now(app), true);
        if (admission.refusal != catalog::pass_refusal::none) refuse(refusal_of(admission.refusal));
        watch_until = catalog::watch_until(rights, admission.pass);
    }
    std::optional<double> runtime;
    if (film->runtime_minutes && *film->runtime_minutes > 0) runtime = *film->runtime_minutes * 60.0;
    // The player may tell the media's duration when the catalog does not know the runtime.
    if (!runtime && body.is_object()) runtime = seconds_field(body, "duration", false);
    const auto play = app.audience.start_play(film->id, runtime, viewer_of(app, request), &app.catalog.local(), origin);
    if (play.moved) return ask_the_successor(request);
    if (!play.result) return refused_start(play.result);
    if (watch_until) app.deadlines.set(play.id, *watch_until, rights_now(app));
    return http_response::json(201, {{"play_id", play.id},
                                     {"play_token", play.token},
                                     {"film_id", film->id},
                                     {"heartbeat_seconds", app.audience.settings().heartbeat_seconds}});
}

http_response play_heartbeat(festival_app& app, http_request& request) {
    try {
        auto answer = report(app, request, false);
        if (!answer.to_worker_pool) app.metrics.heartbeat_accepted();
        return answer;
    } catch (const http_error& refused) {  // each refusal has its own status (see report)
        switch (refused.status()) {
            case 404: app.metrics.heartbeat_refused(heartbeat_refusal::unknown); break;
            case 410: app.metrics.heartbeat_refused(heartbeat_refusal::expired); break;
            case 403: app.metrics.heartbeat_refused(heartbeat_refusal::not_yours); break;
            case 409: app.metrics.heartbeat_refused(heartbeat_refusal::other_film); break;
            default: app.metrics.heartbeat_refused(heartbeat_refusal::invalid); break;
        }
        throw;
    }
}

http_response end_play(festival_app& app, http_request& request) { return report(app, request, true); }

}  // namespace festival::server
