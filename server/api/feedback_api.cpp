// Viewer feedback without an account: ratings, comments (held for moderation) and the festival form.
// These writes are public on purpose: they carry no session, so no CSRF token; a JSON content type
// (which a cross-site form cannot send) and per-viewer rate limits keep them honest. A rating must
// also come from a play of the film that reached a view (its id and the token its player was given).
#include "catalog/clock.hpp"
#include "catalog/feedback.hpp"
#include "catalog/feedback_form.hpp"
#include "catalog/feedback_text.hpp"
#include "transcoder/media/utf8.hpp"
#include "catalog/films.hpp"
#include "server/api/film_lookup.hpp"
#include "server/api/handlers.hpp"
#include "server/http/client_address.hpp"

namespace festival::server {
namespace {

using nlohmann::json;

// A viewer's JSON body: a JSON content type, well-formed UTF-8 (checked on the raw bytes so the
// answer names the problem), and an object.
json viewer_body(const http_request& request) {
    require_json_content(request);
    if (!media::valid_utf8(request.body)) throw http_error(400, "invalid_utf8", "the body is not valid UTF-8");
    auto body = request.json_body();
    if (!body.is_object()) throw http_error(400, "invalid_body", "the body must be a JSON object");
    return body;
}

std::string string_field(const json& body, const char* name) {
    if (!body.contains(name) || body[name].is_null()) return {};
    if (!body[name].is_string()) throw http_error(400, "invalid_field", std::string("'") + name + "' must be a string");
    return body[name].get<std::string>();
}

std::optional<std::string> play_id_field(const json& body) {
    if (!body.contains("play_id") || body["play_id"].is_null()) return std::nullopt;
    if (!body["play_id"].is_string()) throw http_error(400, "invalid_play_id", "'play_id' must be a string");
    return body["play_id"].get<std::string>();
}

// Whom the per-viewer limits count: a keyed hash of the address key (an IPv6 /64 counts as one).
std::string limit_key(festival_app& app, const http_request& request) {
    return app.viewers.hasher.hash(client_network(request.remote_address));
}

// The answer when a viewer sends too much too fast: 429 with Retry-After in seconds.
http_response too_many(std::int64_t wait_seconds) {
    auto response = error_response(429, "rate_limited",
                                   "too many submissions from this connection; try again in " +
                                       std::to_string(wait_seconds) + " s");
    response.set_header("Retry-After", std::to_string(wait_seconds));
    return response;
}

json summary_json(const catalog::rating_summary& s) {
    return {{"count", s.count}, {"average", s.average ? json(*s.average) : json()}};
}

}  // namespace

http_response post_film_rating(festival_app& app, http_request& request) {
    const auto body = viewer_body(request);
    const auto film = load_visible_film(app, request);
    if (!body.contains("stars") || !body["stars"].is_number_integer())
        throw http_error(400, "invalid_stars", "'stars' must be a whole number from 1 to 5");
    const auto stars = body["stars"].get<std::int64_t>();
    if (stars < 1 || stars > 5) throw http_error(400, "invalid_stars", "'stars' must be a whole number from 1 to 5");
    const auto play_id = play_id_field(body);
    catalog::check_play_id(play_id);
    const auto token = string_field(body, "play_token");
    if (!play_id || token.empty())
        throw http_error(403, "play_required", "rate from a play of this film: send its play_id and play_token");
    if (const auto wait = app.viewers.ratings.try_acquire(limit_key(app, request))) return too_many(wait);
    // Only a play of this film that reached a view may rate it, once; the token proves it is the
    // rater's own play (its id alone appears in heartbeat URLs).
    const auto play = app.audience.play_for_rating(app.catalog.local(), *play_id, token);
    if (!play) throw http_error(403, "play_not_found", "no such play, or not yours");
    if (play->film_id != film.id) throw http_error(409, "play_film_mismatch", "this play is of another film");
    if (!play->reached_view)
        throw http_error(403, "play_not_viewed", "watch the film a little longer: a play counts once it reached a view");
    const auto outcome =
        catalog::add_rating(app.catalog.local(), film.id, static_cast<int>(stars), *play_id, play->viewer_hash);
    auto result = summary_json(catalog::film_ratings(app.catalog.local(), film.id));
    result["replaced"] = outcome == catalog::rating_outcome::replaced;
    return http_response::json(outcome == catalog::rating_outcome::created ? 201 : 200, result);
}

http_response get_film_ratings(festival_app& app, http_request& request) {
    const auto film = load_visible_film(app, request);
    return http_response::json(200, summary_json(catalog::film_ratings(app.catalog.local(), film.id)));
}

http_response post_film_comment(festival_app& app, http_request& request) {
    const auto body = viewer_body(request);
    const auto film = load_visible_film(app, request);
    catalog::new_comment draft;
    draft.film_id = film.id;
    draft.text = string_field(body, "text");
    draft.name = string_field(body, "name");
    draft.lang = string_field(body, "lang");
    draft.play_id = play_id_field(body);
    // Checked before the rate limit so that fixing a too-long comment costs the viewer nothing.
    catalog::check_viewer_text("text", draft.text, catalog::max_comment_chars, true);
    catalog::check_viewer_text("name", draft.name, catalog::max_name_chars, false);
    draft.author_hash = limit_key(app, request);
    if (const auto wait = app.viewers.comments.try_acquire(draft.author_hash)) return too_many(wait);
    const json accepted = {{"status", "pending"}};
    // The honeypot: a field people never see. Robots that fill it get the usual answer and no comment.
    if (!string_field(body, "website").empty()) return http_response::json(202, accepted);
    catalog::submit_comment(app.catalog.local(), draft);
    return http_response::json(202, accepted);
}

http_response get_film_comments(festival_app& app, http_request& request) {
    const auto film = load_visible_film(app, request);
    const int page = request.query_number("page", 1, 100000);
    const int per_page = request.query_number("per_page", 20, 100);
    catalog::comment_query query;
    query.status = catalog::comment_status::approved;
    query.film_id = film.id;
    query.limit = per_page;
    query.offset = (page - 1) * per_page;
    const auto result = catalog::list_comments(app.catalog.local(), query);
    json comments = json::array();
    for (const auto& c : result.items)
        comments.push_back({{"id", c.id}, {"name", c.name}, {"lang", c.lang}, {"text", c.text}, {"created_at", c.created_at}});
    return http_response::json(200, {{"comments", comments}, {"total", result.total}, {"page", page}, {"per_page", per_page}});
}

http_response get_feedback_form(festival_app& app, http_request&) {
    return http_response::json(200, {{"questions", catalog::form_questions(app.catalog.local())}});
}

http_response put_feedback_form(festival_app& app, http_request& request) {
    const auto body = viewer_body(request);
    if (!body.contains("questions")) throw http_error(400, "invalid_form", "send {\"questions\": [...]}");
    return http_response::json(200, {{"questions", catalog::replace_form_questions(app.catalog.local(), body["questions"])}});
}

http_response post_feedback_answers(festival_app& app, http_request& request) {
    const auto body = viewer_body(request);
    if (!body.contains("answers")) throw http_error(400, "invalid_answers", "send {\"answers\": {...}}");
    const auto lang = string_field(body, "lang");
    if (const auto wait = app.viewers.form_answers.try_acquire(limit_key(app, request))) return too_many(wait);
    const json received = {{"status", "received"}};
    if (!string_field(body, "website").empty()) return http_response::json(201, received);  // honeypot
    catalog::submit_form_answers(app.catalog.local(), body["answers"], lang);
    return http_response::json(201, received);
}

}  // namespace festival::server
