// Accounts from the web (docs/accounts.md): organizers invite curators and organizers with a single-use
// link, list and revoke invitations, disable and enable accounts and read the audit log; an invitee
// accepts a link and is signed in; every signed-in user changes their own password. Each change is
// written with its audit entry in one transaction; hashing (argon2id) runs before it, on the password
// pool, never under the write lock.
#include <charconv>

#include "catalog/accounts.hpp"
#include "catalog/audit_log.hpp"
#include "catalog/database.hpp"
#include "catalog/invitations.hpp"
#include "server/api/dispatcher.hpp"
#include "server/api/handlers.hpp"
#include "server/api/viewer_rights.hpp"

namespace festival::server {
namespace {

using nlohmann::json;

// The clock of invitations' expiry: the audience's, which tests drive (--test-clock-file).
std::int64_t invitation_now(const festival_app& app) { return rights_now(app); }

catalog::audit_actor actor_of(const http_request& request) {
    return {request.session->user.id, request.session->user.email};
}

std::string user_subject(std::int64_t id) { return "user:" + std::to_string(id); }
std::string invitation_subject(std::int64_t id) { return "invitation:" + std::to_string(id); }

std::int64_t id_param(const http_request& request, const char* code, const char* what) {
    const auto& text = request.params.at("id");
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
        throw http_error(404, code, std::string("no ") + what + " '" + text + "'");
    return id;
}

// A text member of a JSON body: absent or null → `fallback`; anything but a string → 400.
std::string text_member(const json& body, const char* name, const std::string& fallback = "") {
    const auto found = body.find(name);
    if (found == body.end() || found->is_null()) return fallback;
    if (!found->is_string()) throw http_error(400, "invalid_body", std::string("'") + name + "' must be text");
    return found->get<std::string>();
}

json object_body(const http_request& request) {
    require_json_content(request);
    auto body = request.json_body();
    if (!body.is_object()) throw http_error(400, "invalid_body", "expected a JSON object");
    return body;
}

json invitation_json(const catalog::invitation& i, std::int64_t now) {
    json out{{"id", i.id},
             {"role", catalog::to_string(i.role)},
             {"email", i.email},
             {"note", i.note},
             {"state", catalog::to_string(i.state_at(now))},
             {"created_at", i.created_at},
             {"expires_at", i.expires_at},
             {"created_by", i.created_by ? json(*i.created_by) : json(nullptr)},
             {"created_by_name", i.created_by_name},
             {"used_at", i.used_at ? json(*i.used_at) : json(nullptr)},
             {"used_by", i.used_by ? json(*i.used_by) : json(nullptr)},
             {"revoked_at", i.revoked_at ? json(*i.revoked_at) : json(nullptr)}};
    return out;
}

json account_json(const catalog::account& a) {
    return {{"id", a.user.id},
            {"email", a.user.email},
            {"display_name", a.user.display_name},
            {"role", catalog::to_string(a.user.role)},
            {"disabled", a.disabled},
            {"created_at", a.created_at}};
}

// 410 for a link that no longer works (used, expired, revoked); other catalog errors pass on.
template <class Call>
auto unless_closed(Call&& call) {
    try {
        return call();
    } catch (const catalog::catalog_error& e) {
        if (catalog::is_closed_invitation(e)) throw http_error(410, e.code(), e.what());
        throw;
    }
}

http_response no_store(http_response response) {
    response.set_header("Cache-Control", "no-store");
    return response;
}

http_response set_disabled(festival_app& app, http_request& request, bool disabled) {
    const auto id = id_param(request, "no_such_user", "account");
    if (disabled && id == request.session->user.id)
        throw http_error(409, "cannot_disable_self", "you cannot disable your own account");
    auto& db = app.catalog.local();
    catalog::transaction tx(db);
    const auto before = catalog::list_accounts(db);  // small: the festival's staff
    const auto account = catalog::set_user_disabled(db, id, disabled);
    bool changed = true;
    for (const auto& a : before)
        if (a.user.id == id) changed = a.disabled != disabled;
    if (changed)
        catalog::record_audit(db, actor_of(request), disabled ? "account.disable" : "account.enable", user_subject(id),
                              {{"email", account.user.email}, {"role", catalog::to_string(account.user.role)}});
    tx.commit();
    return http_response::json(200, {{"user", account_json(account)}});
}

}  // namespace

// POST /api/invitations {"role", "email"?, "note"?, "language"?, "hours"?} → 201 with the link, once.
http_response create_invitation(festival_app& app, http_request& request) {
    const auto body = object_body(request);
    catalog::invitation_request wanted;
    const auto role = catalog::role_from_string(text_member(body, "role"));
    if (!role) throw http_error(400, "invalid_role", "'role' must be curator or organizer");
    wanted.role = *role;
    wanted.email = text_member(body, "email");
    wanted.note = text_member(body, "note");
    const auto language = text_member(body, "language", "en");
    if (language != "fr" && language != "en" && language != "es")
        throw http_error(400, "invalid_language", "'language' must be fr, en or es");
    if (const auto hours = body.find("hours"); hours != body.end() && !hours->is_null()) {
        if (!hours->is_number_integer() || hours->get<std::int64_t>() < 1 || hours->get<std::int64_t>() > 720)
            throw http_error(400, "invalid_hours", "'hours': whole hours, 1 to 720");
        wanted.hours = hours->get<int>();
    }
    auto& db = app.catalog.local();
    const auto now = invitation_now(app);
    catalog::transaction tx(db);
    const auto issued = catalog::create_invitation(db, wanted, request.session->user.id, now);
    catalog::record_audit(db, actor_of(request), "invitation.create", invitation_subject(issued.invitation.id),
                          {{"role", catalog::to_string(wanted.role)},
                           {"email", wanted.email},
                           {"language", language},
                           {"expires_at", issued.invitation.expires_at}});
    tx.commit();
    auto out = invitation_json(issued.invitation, now);
    out["token"] = issued.token;
    out["url"] = "/" + language + "/invitation/" + issued.token;
    return no_store(http_response::json(201, out));
}

http_response list_invitations(festival_app& app, http_request&) {
    const auto now = invitation_now(app);
    auto items = json::array();
    for (const auto& i : catalog::list_invitations(app.catalog.local())) items.push_back(invitation_json(i, now));
    return http_response::json(200, {{"invitations", items}});
}

http_response revoke_invitation(festival_app& app, http_request& request) {
    const auto id = id_param(request, "invitation_not_found", "invitation");
    auto& db = app.catalog.local();
    catalog::transaction tx(db);
    const auto before = catalog::list_invitations(db);
    const auto revoked = catalog::revoke_invitation(db, id, invitation_now(app));
    bool was_revoked = false;
    for (const auto& i : before)
        if (i.id == id) was_revoked = i.revoked_at.has_value();
    if (!was_revoked)
        catalog::record_audit(db, actor_of(request), "invitation.revoke", invitation_subject(id),
                              {{"role", catalog::to_string(revoked.role)}, {"email", revoked.email}});
    tx.commit();
    return http_response::no_content();
}

// GET /api/invitations/{token}: what the invitation page shows, to anyone holding the link.
http_response get_invitation(festival_app& app, http_request& request) {
    const auto found = unless_closed(
        [&] { return catalog::check_invitation(app.catalog.local(), request.params.at("token"), invitation_now(app)); });
    return no_store(http_response::json(200, {{"role", catalog::to_string(found.role)},
                                              {"email", found.email},
                                              {"invited_by", found.created_by_name},
                                              {"expires_at", found.expires_at}}));
}

// POST /api/invitations/{token}/accept {"email", "display_name", "password"} → 201, signed in.
// Runs on the password pool: the link is checked before the password is hashed, and again with the write.
http_response accept_invitation(festival_app& app, http_request& request) {
    const auto body = object_body(request);
    const auto email = text_member(body, "email");
    const auto display_name = text_member(body, "display_name");
    const auto password = text_member(body, "password");
    if (display_name.size() > 200) throw http_error(400, "invalid_display_name", "a name is at most 200 bytes");
    const auto& token = request.params.at("token");
    auto& db = app.catalog.local();
    unless_closed([&] { return catalog::check_invitation(db, token, invitation_now(app)); });
    catalog::check_password_rules(password);
    const auto password_hash = catalog::hash_password(password);
    catalog::transaction tx(db);
    const auto accepted = unless_closed([&] {
        return catalog::accept_invitation(db, token, email, display_name, password_hash, invitation_now(app));
    });
    catalog::record_audit(db, {accepted.user.id, accepted.user.email}, "invitation.accept",
                          invitation_subject(accepted.invitation.id),
                          {{"user", accepted.user.id}, {"role", catalog::to_string(accepted.user.role)}});
    tx.commit();
    return no_store(open_signed_in_session(app, accepted.user, 201));
}

// PUT /api/session/password {"current", "new"}: the signed-in user's own; their other sessions end.
// Wrong current passwords count against the sign-in limits, like wrong passwords at sign-in.
http_response change_password(festival_app& app, http_request& request) {
    const auto body = object_body(request);
    const auto& me = request.session->user;
    const auto current = text_member(body, "current");
    const auto replacement = text_member(body, "new");
    catalog::check_password_rules(replacement);
    if (const auto wait = app.sign_ins.begin_attempt(me.email, request.remote_address)) {
        auto response = error_response(429, "too_many_attempts", "too many wrong passwords: try again later");
        response.set_header("Retry-After", std::to_string(wait));
        return response;
    }
    auto& db = app.catalog.local();
    const auto change = catalog::check_password_change(db, me.id, current, replacement);
    app.sign_ins.succeeded(me.email, request.remote_address);
    catalog::transaction tx(db);
    catalog::apply_password_change(db, change, *request.cookie(session_cookie_name));
    catalog::record_audit(db, actor_of(request), "password.change", user_subject(me.id));
    tx.commit();
    return http_response::no_content();
}

http_response list_users(festival_app& app, http_request&) {
    auto items = json::array();
    for (const auto& a : catalog::list_accounts(app.catalog.local())) items.push_back(account_json(a));
    return http_response::json(200, {{"users", items}});
}

http_response disable_user(festival_app& app, http_request& request) { return set_disabled(app, request, true); }
http_response enable_user(festival_app& app, http_request& request) { return set_disabled(app, request, false); }

// GET /api/audit?before=<id>&limit=<n>: newest first; "next_before" pages on ("more").
http_response list_audit(festival_app& app, http_request& request) {
    const int limit = request.query_number("limit", 50, 200);
    std::optional<std::int64_t> before;
    if (const auto text = request.query_param("before")) {
        std::int64_t id = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), id);
        if (ec != std::errc() || end != text->data() + text->size() || id <= 0)
            throw http_error(400, "invalid_query", "'before' must be an entry's id");
        before = id;
    }
    const auto entries = catalog::list_audit(app.catalog.local(), limit, before);
    auto items = json::array();
    for (const auto& e : entries)
        items.push_back({{"id", e.id},
                         {"at", e.at},
                         {"actor", {{"id", e.actor.user_id ? json(*e.actor.user_id) : json(nullptr)}, {"email", e.actor.email}}},
                         {"action", e.action},
                         {"subject", e.subject},
                         {"details", e.details}});
    json next = nullptr;
    if (static_cast<int>(entries.size()) == limit) next = entries.back().id;
    return http_response::json(200, {{"entries", items}, {"next_before", next}});
}

}  // namespace festival::server
