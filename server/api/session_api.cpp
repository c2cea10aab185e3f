// POST/GET/DELETE /api/session: signing curators and organizers in and out.
#include <sodium.h>

#include "catalog/accounts.hpp"
#include "server/api/dispatcher.hpp"
#include "server/api/handlers.hpp"

namespace festival::server {
namespace {

nlohmann::json user_json(const catalog::user& u) {
    return {{"id", u.id}, {"email", u.email}, {"display_name", u.display_name}, {"role", catalog::to_string(u.role)}};
}

std::string session_cookie(const festival_app& app, const std::string& value, std::int64_t max_age) {
    return std::string(session_cookie_name) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
           std::to_string(max_age) + (app.settings->secure_cookies ? "; Secure" : "");
}

http_response too_many_attempts(std::int64_t retry_after) {
    auto response = error_response(429, "too_many_attempts", "too many failed sign-ins: try again later");
    response.set_header("Retry-After", std::to_string(retry_after));
    return response;
}

}  // namespace

// Runs on the password pool (runs_on::password_pool): the limits are checked before the hash.
http_response sign_in(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto body = request.json_body();
    if (!body.is_object() || !body.contains("email") || !body["email"].is_string() || !body.contains("password") ||
        !body["password"].is_string())
        throw http_error(400, "invalid_body", "send {\"email\": …, \"password\": …}");
    const auto email = body["email"].get<std::string>();
    if (const auto wait = app.sign_ins.begin_attempt(email, request.remote_address)) return too_many_attempts(wait);
    const auto user = catalog::check_login(app.catalog.local(), email, body["password"].get<std::string>());
    if (!user) throw http_error(401, "wrong_credentials", "wrong email or password");
    app.sign_ins.succeeded(email, request.remote_address);
    return open_signed_in_session(app, *user, 200);
}

http_response open_signed_in_session(festival_app& app, const catalog::user& user, int status) {
    const auto lifetime = app.settings->session_lifetime_seconds;
    const auto tokens = catalog::open_session(app.catalog.local(), user.id, lifetime);
    auto response = http_response::json(
        status, {{"user", user_json(user)}, {"csrf_token", tokens.csrf_token}, {"expires_at", tokens.expires_at}});
    response.set_header("Set-Cookie", session_cookie(app, tokens.token, lifetime));
    return response;
}

http_response get_session(festival_app&, http_request& request) {
    if (!request.session) throw http_error(401, "not_signed_in", "no valid session");
    return http_response::json(200, {{"user", user_json(request.session->user)},
                                     {"csrf_token", request.session->csrf_token},
                                     {"expires_at", request.session->expires_at}});
}

// ?everywhere=1 ends every session of the signed-in user (a lost laptop, a shared password); being
// more than signing oneself out, it needs the session's CSRF token like any signed-in write.
http_response sign_out(festival_app& app, http_request& request) {
    auto& db = app.catalog.local();
    if (request.query_param("everywhere").value_or("0") != "0") {
        if (!request.session) throw http_error(401, "not_signed_in", "sign in to do this");
        const auto sent = request.header("x-csrf-token");
        const auto& expected = request.session->csrf_token;
        if (!sent || sent->size() != expected.size() || sodium_memcmp(sent->data(), expected.data(), sent->size()) != 0)
            throw http_error(403, "csrf_token_invalid", "missing or wrong X-CSRF-Token header");
        catalog::close_user_sessions(db, request.session->user.id);
    } else if (auto token = request.cookie(session_cookie_name)) {
        catalog::close_session(db, *token);
    }
    auto response = http_response::no_content();
    response.set_header("Set-Cookie", session_cookie(app, "", 0));
    return response;
}

}  // namespace festival::server
