// POST/GET/DELETE /api/session: signing curators and organizers in and out.
#include "catalog/accounts.hpp"
#include "server/dispatcher.hpp"
#include "server/handlers.hpp"

namespace festival::server {
namespace {

nlohmann::json user_json(const catalog::user& u) {
    return {{"id", u.id}, {"email", u.email}, {"display_name", u.display_name}, {"role", catalog::to_string(u.role)}};
}

std::string session_cookie(const std::string& value, std::int64_t max_age) {
    return std::string(session_cookie_name) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
           std::to_string(max_age);
}

}  // namespace

http_response sign_in(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto body = request.json_body();
    if (!body.is_object() || !body.contains("email") || !body["email"].is_string() || !body.contains("password") ||
        !body["password"].is_string())
        throw http_error(400, "invalid_body", "send {\"email\": …, \"password\": …}");
    auto& db = app.catalog.local();
    const auto user = catalog::check_login(db, body["email"].get<std::string>(), body["password"].get<std::string>());
    if (!user) throw http_error(401, "wrong_credentials", "wrong email or password");
    const auto lifetime = app.settings->session_lifetime_seconds;
    const auto tokens = catalog::open_session(db, user->id, lifetime);
    auto response = http_response::json(
        200, {{"user", user_json(*user)}, {"csrf_token", tokens.csrf_token}, {"expires_at", tokens.expires_at}});
    response.set_header("Set-Cookie", session_cookie(tokens.token, lifetime));
    return response;
}

http_response get_session(festival_app&, http_request& request) {
    if (!request.session) throw http_error(401, "not_signed_in", "no valid session");
    return http_response::json(200, {{"user", user_json(request.session->user)},
                                     {"csrf_token", request.session->csrf_token},
                                     {"expires_at", request.session->expires_at}});
}

http_response sign_out(festival_app& app, http_request& request) {
    if (auto token = request.cookie(session_cookie_name)) catalog::close_session(app.catalog.local(), *token);
    auto response = http_response::no_content();
    response.set_header("Set-Cookie", session_cookie("", 0));
    return response;
}

}  // namespace festival::server
