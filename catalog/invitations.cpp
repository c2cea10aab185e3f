#include "catalog/invitations.hpp"

#include <cctype>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/inserted_id.hpp"

namespace festival::catalog {
namespace {

constexpr const char* invitation_columns =
    "SELECT i.id, i.role, i.email, i.note, i.created_by, i.created_at, i.expires_at, i.used_at, i.used_by, "
    "i.revoked_at, coalesce(nullif(u.display_name, ''), u.email, '') AS created_by_name "
    "FROM account_invitations i LEFT JOIN users u ON u.id = i.created_by ";

invitation read_invitation(const statement& st) {
    invitation i;
    i.id = st.int64("id");
    i.role = role_from_string(st.text("role")).value_or(role::curator);
    i.email = st.text("email");
    i.note = st.text("note");
    i.created_by = st.optional_int64("created_by");
    i.created_by_name = st.text("created_by_name");
    i.created_at = st.text("created_at");
    i.expires_at = st.text("expires_at");
    i.used_at = st.optional_text("used_at");
    i.used_by = st.optional_int64("used_by");
    i.revoked_at = st.optional_text("revoked_at");
    return i;
}

std::optional<invitation> find_by_token(database& db, const std::string& token) {
    if (token.size() != 64) return std::nullopt;
    auto st = db.prepare(std::string(invitation_columns) + "WHERE i.token_hash = ?1");
    st.bind(1, token_hash(token));
    if (!st.step()) return std::nullopt;
    return read_invitation(st);
}

// Counted in characters (UTF-8 code points), as the form counts them.
std::size_t characters(const std::string& text) {
    std::size_t n = 0;
    for (unsigned char c : text) n += (c & 0xC0) != 0x80;
    return n;
}

bool same_email(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

void throw_unless_pending(const invitation& i, std::int64_t now) {
    switch (i.state_at(now)) {
        case invitation_state::pending: return;
        case invitation_state::used: throw conflict("invitation_used", "this invitation has been used already");
        case invitation_state::revoked: throw conflict("invitation_revoked", "this invitation was withdrawn");
        case invitation_state::expired: throw conflict("invitation_expired", "this invitation has expired");
    }
}

}  // namespace

const char* to_string(invitation_state s) {
    switch (s) {
        case invitation_state::pending: return "pending";
        case invitation_state::used: return "used";
        case invitation_state::expired: return "expired";
        case invitation_state::revoked: return "revoked";
    }
    return "pending";
}

invitation_state invitation::state_at(std::int64_t now) const {
    if (used_at) return invitation_state::used;
    if (revoked_at) return invitation_state::revoked;
    const auto ends = parse_utc(expires_at);
    if (!ends || *ends <= now) return invitation_state::expired;
    return invitation_state::pending;
}

bool is_closed_invitation(const catalog_error& e) {
    return e.kind() == error_kind::conflict &&
           (e.code() == "invitation_used" || e.code() == "invitation_expired" || e.code() == "invitation_revoked");
}

issued_invitation create_invitation(database& db, const invitation_request& request, std::optional<std::int64_t> created_by,
                                    std::int64_t now) {
    if (!request.email.empty()) {
        if (request.email.size() > 254 || request.email.find('@') == std::string::npos ||
            request.email.find_first_of(" \t\r\n") != std::string::npos)
            throw invalid("invalid_email", "'" + request.email + "' is not an email address");
    }
    if (characters(request.note) > 200) throw invalid("note_too_long", "a note is at most 200 characters");
    if (request.hours < 1 || request.hours > 720)
        throw invalid("invalid_hours", "an invitation lasts from 1 to 720 hours");
    issued_invitation out;
    out.token = random_token();
    auto st = db.prepare(
        "INSERT INTO account_invitations (token_hash, role, email, note, created_by, created_at, expires_at) "
        "VALUES (:token_hash, :role, :email, :note, :created_by, :created_at, :expires_at) RETURNING id");
    st.bind(":token_hash", token_hash(out.token))
        .bind(":role", to_string(request.role))
        .bind(":email", request.email)
        .bind(":note", request.note)
        .bind(":created_by", created_by)
        .bind(":created_at", format_utc(now))
        .bind(":expires_at", format_utc(now + static_cast<std::int64_t>(request.hours) * 3600));
    const auto id = inserted_id(st);
    auto read = db.prepare(std::string(invitation_columns) + "WHERE i.id = ?1");
    read.bind(1, id).step();
    out.invitation = read_invitation(read);
    return out;
}

std::vector<invitation> list_invitations(database& db) {
    auto st = db.prepare(std::string(invitation_columns) + "ORDER BY i.id DESC");
    std::vector<invitation> out;
    while (st.step()) out.push_back(read_invitation(st));
    return out;
}

invitation revoke_invitation(database& db, std::int64_t id, std::int64_t now) {
    transaction tx(db);
    auto st = db.prepare(std::string(invitation_columns) + "WHERE i.id = ?1");
    st.bind(1, id);
    if (!st.step()) throw not_found("invitation_not_found", "no invitation has the id " + std::to_string(id));
    auto i = read_invitation(st);
    if (i.used_at) throw conflict("invitation_used", "this invitation has been used already");
    if (i.revoked_at) return i;
    i.revoked_at = format_utc(now);
    auto update = db.prepare("UPDATE account_invitations SET revoked_at = ?2 WHERE id = ?1");
    update.bind(1, id).bind(2, *i.revoked_at).run();
    tx.commit();
    return i;
}

invitation check_invitation(database& db, const std::string& token, std::int64_t now) {
    auto found = find_by_token(db, token);
    if (!found) throw not_found("invitation_not_found", "no invitation has this link");
    throw_unless_pending(*found, now);
    return *found;
}

accepted_invitation accept_invitation(database& db, const std::string& token, const std::string& email,
                                      const std::string& display_name, const std::string& password_hash,
                                      std::int64_t now) {
    transaction tx(db);
    // Read under the write lock: a second accept waits here and then finds it used.
    auto found = find_by_token(db, token);
    if (!found) throw not_found("invitation_not_found", "no invitation has this link");
    throw_unless_pending(*found, now);
    if (!found->email.empty() && !same_email(found->email, email))
        throw invalid("invitation_email_mismatch", "this invitation is for " + found->email);
    accepted_invitation out{*found, create_user_hashed(db, email, display_name, found->role, password_hash)};
    auto mark = db.prepare(
        "UPDATE account_invitations SET used_at = ?2, used_by = ?3 WHERE id = ?1 AND used_at IS NULL "
        "AND revoked_at IS NULL");
    mark.bind(1, found->id).bind(2, format_utc(now)).bind(3, out.user.id).run();
    if (db.changes() != 1) throw conflict("invitation_used", "this invitation has been used already");
    tx.commit();
    out.invitation.used_at = format_utc(now);
    out.invitation.used_by = out.user.id;
    return out;
}

}  // namespace festival::catalog
