// Organizers: the comment moderation queue, the audience award and feedback exports.
#include "catalog/feedback.hpp"
#include "catalog/feedback_award.hpp"
#include "catalog/feedback_export.hpp"
#include "catalog/films.hpp"
#include "server/api/handlers.hpp"

namespace festival::server {
namespace {

using nlohmann::json;

constexpr std::size_t max_bulk_ids = 1000;

json comment_json(const catalog::comment& c) {
    return {{"id", c.id},
            {"film", {{"id", c.film_id}, {"slug", c.film_slug}, {"original_title", c.film_title}}},
            {"name", c.name},
            {"lang", c.lang},
            {"text", c.text},
            {"status", catalog::to_string(c.status)},
            {"submissions", c.submissions},
            {"created_at", c.created_at},
            {"moderated_at", c.moderated_at ? json(*c.moderated_at) : json()}};
}

json award_json(const catalog::award_ranking& award) {
    json entries = json::array();
    for (const auto& e : award.entries)
        entries.push_back({{"rank", e.rank},
                           {"film", {{"id", e.film_id}, {"slug", e.slug}, {"original_title", e.original_title},
                                     {"titles", e.titles}}},
                           {"count", e.count},
                           {"average", e.average},
                           {"score", e.score}});
    return {{"public", award.is_public},
            {"prior_weight", award.prior_weight},
            {"festival_mean", award.festival_mean ? json(*award.festival_mean) : json()},
            {"ratings", award.ratings},
            {"ranking", entries}};
}

bool is_organizer(const http_request& request) {
    return request.session && request.session->user.role == catalog::role::organizer;
}

http_response download(std::string body, const char* type, const std::string& filename) {
    http_response response;
    response.status = 200;
    response.body = std::move(body);
    response.set_header("Content-Type", type);
    response.set_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    response.set_header("Cache-Control", "no-store");
    return response;
}

}  // namespace

http_response list_moderation_comments(festival_app& app, http_request& request) {
    catalog::comment_query query;
    const auto status = request.query_param("status").value_or("pending");
    if (status != "all") {
        query.status = catalog::comment_status_from_string(status);
        if (!query.status)
            throw http_error(400, "invalid_query", "'status' must be pending, approved, rejected or all");
    }
    if (const auto key = request.query_param("film"); key && !key->empty()) {
        const auto film = catalog::find_film_by_key(app.catalog.local(), *key);
        if (!film) throw http_error(404, "film_not_found", "no film '" + *key + "'");
        query.film_id = film->id;
    }
    // The queue is worked through in arrival order; decided comments show the latest first.
    query.oldest_first = query.status == catalog::comment_status::pending;
    const int page = request.query_number("page", 1, 100000);
    const int per_page = request.query_number("per_page", 50, 500);
    query.limit = per_page;
    query.offset = (page - 1) * per_page;
    const auto result = catalog::list_comments(app.catalog.local(), query);
    json comments = json::array();
    for (const auto& c : result.items) comments.push_back(comment_json(c));
    return http_response::json(200, {{"comments", comments}, {"total", result.total}, {"page", page}, {"per_page", per_page}});
}

http_response moderate_comments(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto body = request.json_body();
    const auto action = catalog::moderation_action_from_string(
        body.is_object() && body.contains("action") && body["action"].is_string() ? body["action"].get<std::string>() : "");
    if (!action) throw http_error(400, "invalid_action", "'action' must be approve, reject or delete");
    if (!body.contains("ids") || !body["ids"].is_array() || body["ids"].empty() || body["ids"].size() > max_bulk_ids)
        throw http_error(400, "invalid_ids", "'ids' must be a list of 1 to 1000 comment ids");
    std::vector<std::int64_t> ids;
    for (const auto& id : body["ids"]) {
        if (!id.is_number_integer()) throw http_error(400, "invalid_ids", "each id must be a whole number");
        ids.push_back(id.get<std::int64_t>());
    }
    const auto changed = catalog::moderate_comments(app.catalog.local(), ids, *action);
    return http_response::json(200, {{"changed", changed}});
}

// Organizers always see the ranking; everyone else once the organizers publish it.
http_response get_award(festival_app& app, http_request& request) {
    const auto award = catalog::audience_award(app.catalog.local());
    if (!award.is_public && !is_organizer(request)) {
        if (!request.session) throw http_error(401, "award_not_public", "the audience award is not published yet");
        throw http_error(403, "award_not_public", "the audience award is not published yet");
    }
    return http_response::json(200, award_json(award));
}

http_response put_award(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto body = request.json_body();
    if (!body.is_object() || !body.contains("public") || !body["public"].is_boolean())
        throw http_error(400, "invalid_award", "send {\"public\": true|false}");
    catalog::set_award_public(app.catalog.local(), body["public"].get<bool>());
    return http_response::json(200, award_json(catalog::audience_award(app.catalog.local())));
}

http_response export_feedback_csv(festival_app& app, http_request& request) {
    const auto kind = request.query_param("kind").value_or("comments");
    auto& db = app.catalog.local();
    if (kind == "comments") return download(catalog::comments_csv(db), "text/csv; charset=utf-8", "festival-comments.csv");
    if (kind == "ratings") return download(catalog::ratings_csv(db), "text/csv; charset=utf-8", "festival-ratings.csv");
    if (kind == "answers") {
        const auto lang = request.query_param("lang").value_or("fr");
        return download(catalog::answers_csv(db, lang), "text/csv; charset=utf-8", "festival-feedback-form.csv");
    }
    throw http_error(400, "invalid_query", "'kind' must be comments, ratings or answers");
}

http_response export_feedback_json(festival_app& app, http_request&) {
    return download(catalog::feedback_json(app.catalog.local()).dump(2), "application/json; charset=utf-8",
                    "festival-feedback.json");
}

}  // namespace festival::server
