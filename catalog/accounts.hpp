#pragma once
// Curator and organizer accounts, argon2id password hashes (libsodium) and server-side sessions.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace festival::catalog {

class database;
class statement;

enum class role { curator, organizer };
const char* to_string(role r);
std::optional<role> role_from_string(const std::string& text);

struct user {
    std::int64_t id = 0;
    std::string email;
    std::string display_name;
    festival::catalog::role role = role::curator;
};

// The account in a row that selects the users table's id, email, display_name and role: the one
// place a user row is mapped.
user read_user_row(const statement& st);

// What a browser holds (token, in an HttpOnly cookie) and what it must echo on writes (csrf_token).
struct session_tokens {
    std::string token;
    std::string csrf_token;
    std::int64_t expires_at = 0;
};

struct signed_in {
    festival::catalog::user user;
    std::string csrf_token;
    std::int64_t expires_at = 0;
};

// Slow on purpose (argon2id, interactive limits): call from a worker thread, never an I/O thread.
std::string hash_password(const std::string& password);
bool password_matches(const std::string& stored_hash, const std::string& password);

// The rules every new password meets (`festival user add`, an accepted invitation, a password change):
// at least 10 characters, at most 1024 bytes; throws invalid (weak_password, invalid_password).
void check_password_rules(const std::string& password);
user create_user(database& db, const std::string& email, const std::string& display_name, role r,
                 const std::string& password);
// create_user's checks and write with the password already hashed (hash_password, before any write
// lock is taken): for a caller that creates the account inside a transaction of its own.
user create_user_hashed(database& db, const std::string& email, const std::string& display_name, role r,
                        const std::string& password_hash);
// The user when email and password match and the account is not disabled; nullopt otherwise (the same
// answer, at the same cost, for an unknown email, a wrong password and a disabled account).
std::optional<user> check_login(database& db, const std::string& email, const std::string& password);

// An account as organizers list them.
struct account {
    festival::catalog::user user;
    bool disabled = false;
    std::string created_at;
};
// Every account, oldest first.
std::vector<account> list_accounts(database& db);
// Disables (or enables again) an account; disabling ends its sessions in the same transaction. The
// festival always keeps one enabled organizer: disabling the last is a conflict (last_organizer).
// Throws not_found (no_such_user). Returns the account as it is now.
account set_user_disabled(database& db, std::int64_t user_id, bool disabled);
// Changes a password after checking the current one (forbidden wrong_password) and the rules for the
// new one; every session of the account but `kept_session_token` ends. Slow: two argon2id hashes.
void change_password(database& db, std::int64_t user_id, const std::string& current, const std::string& new_password,
                     const std::string& kept_session_token);
// The same in two steps, so that a caller's write transaction (with its audit entry) holds only the
// write: `check_password_change` hashes, outside any transaction; `apply_password_change` writes,
// refusing (wrong_password) if the password changed in between.
struct password_change {
    std::int64_t user_id = 0;
    std::string checked_hash, new_hash;
};
password_change check_password_change(database& db, std::int64_t user_id, const std::string& current,
                                      const std::string& new_password);
void apply_password_change(database& db, const password_change& change, const std::string& kept_session_token);

session_tokens open_session(database& db, std::int64_t user_id, std::int64_t lifetime_seconds);
// The session and its account; nullopt when unknown, expired or the account is disabled.
std::optional<signed_in> find_session(database& db, const std::string& token);
void close_session(database& db, const std::string& token);
// Ends every session of a user, wherever they signed in; returns how many.
int close_user_sessions(database& db, std::int64_t user_id);
// The same for the account with this email; throws not_found when there is none.
int close_user_sessions(database& db, const std::string& email);
// Drops every session past its expiry; returns how many.
int purge_expired_sessions(database& db);

// A random 256-bit value as 64 hex digits.
std::string random_token();
// What the catalog keeps of a bearer secret (a session or worker token): its BLAKE2b, 64 hex digits.
std::string token_hash(const std::string& token);

}  // namespace festival::catalog
