#pragma once
// Curator and organizer accounts, argon2id password hashes (libsodium) and server-side sessions.
#include <cstdint>
#include <optional>
#include <string>

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

user create_user(database& db, const std::string& email, const std::string& display_name, role r,
                 const std::string& password);
// The user when email and password match; nullopt otherwise (same answer for unknown email).
std::optional<user> check_login(database& db, const std::string& email, const std::string& password);

session_tokens open_session(database& db, std::int64_t user_id, std::int64_t lifetime_seconds);
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
