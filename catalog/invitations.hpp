#pragma once
// Invitations to become a curator or an organizer: made by an organizer, sent as a link that holds a
// 256-bit token (only its hash is kept), used once, before it expires, unless revoked. Accepting one
// creates the account and marks the invitation used in one write transaction, so two accepts of one
// link make one account.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/accounts.hpp"
#include "catalog/errors.hpp"

namespace festival::catalog {

class database;

enum class invitation_state { pending, used, expired, revoked };
const char* to_string(invitation_state s);

struct invitation {
    std::int64_t id = 0;
    festival::catalog::role role = role::curator;
    std::string email;  // "" when anyone holding the link may use it; else the invitee must use this one
    std::string note;
    std::optional<std::int64_t> created_by;
    std::string created_by_name;  // the inviter's name (or email), "" once that account is gone
    std::string created_at, expires_at;
    std::optional<std::string> used_at, revoked_at;
    std::optional<std::int64_t> used_by;

    invitation_state state_at(std::int64_t now) const;
};

struct invitation_request {
    festival::catalog::role role = role::curator;
    std::string email;
    std::string note;  // at most 200 characters
    int hours = 168;   // 1 to 720
};

struct issued_invitation {
    festival::catalog::invitation invitation;
    std::string token;  // given once, to the organizer who made it; never stored
};

// Throws invalid: invalid_email, note_too_long, invalid_hours.
issued_invitation create_invitation(database& db, const invitation_request& request, std::optional<std::int64_t> created_by,
                                    std::int64_t now);
// Newest first.
std::vector<invitation> list_invitations(database& db);
// Ends a pending invitation (again: nothing changes); a used one cannot be revoked (conflict
// invitation_used). Throws not_found (invitation_not_found).
invitation revoke_invitation(database& db, std::int64_t id, std::int64_t now);
// The invitation a link holds while it can still be accepted. Throws not_found (invitation_not_found)
// for a token no invitation has, and a conflict coded invitation_used, invitation_expired or
// invitation_revoked otherwise (is_closed_invitation tells those apart from other conflicts).
invitation check_invitation(database& db, const std::string& token, std::int64_t now);
bool is_closed_invitation(const catalog_error& e);

struct accepted_invitation {
    festival::catalog::invitation invitation;
    festival::catalog::user user;
};
// In one write transaction: checks the invitation again, the email it names (invalid
// invitation_email_mismatch), creates the account with the invitation's role (create_user_hashed: the
// caller hashes the password first, off the write lock, after check_password_rules), and marks the
// invitation used by it. Composes as a savepoint inside a caller's transaction (the audit entry).
accepted_invitation accept_invitation(database& db, const std::string& token, const std::string& email,
                                      const std::string& display_name, const std::string& password_hash,
                                      std::int64_t now);

}  // namespace festival::catalog
