#pragma once
// Who did what, when, to accounts and other organizers' powers: invitations made, used or revoked,
// passwords changed, accounts disabled and enabled, filmmakers' report links made and revoked, users added
// from the command line. Written in the same transaction as the change it records; read by organizers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::catalog {

class database;

struct audit_actor {
    std::optional<std::int64_t> user_id;  // none for the command line or an invitee not yet a user
    std::string email;                     // kept as it was, so the entry reads the same after a deletion
};

struct audit_entry {
    std::int64_t id = 0;
    std::string at;  // ISO 8601 UTC
    audit_actor actor;
    std::string action;   // "invitation.create", "invitation.accept", "invitation.revoke", "password.change",
                          // "account.disable", "account.enable", "report_link.create", "report_link.revoke",
                          // "user.add"
    std::string subject;  // what it was done to: "user:12", "invitation:4", "film:7", …
    nlohmann::json details = nlohmann::json::object();  // never a secret (no token, no password)
};

void record_audit(database& db, const audit_actor& actor, const std::string& action, const std::string& subject,
                  const nlohmann::json& details = nlohmann::json::object());
// Newest first, at most `limit`, before `before_id` when given (paging).
std::vector<audit_entry> list_audit(database& db, int limit, std::optional<std::int64_t> before_id = std::nullopt);

}  // namespace festival::catalog
