#include "catalog/accounts.hpp"

#include <sodium.h>

#include <mutex>
#include <regex>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/inserted_id.hpp"

namespace festival::catalog {
namespace {

void ensure_sodium() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (sodium_init() < 0) throw catalog_error(error_kind::storage, "crypto_unavailable", "libsodium init failed");
    });
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
    std::string hex(size * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), bytes, size);
    hex.pop_back();
    return hex;
}

void check_email(const std::string& email) {
    static const std::regex email_pattern(R"([^@\s]+@[^@\s]+)");
    if (email.size() > 254 || !std::regex_match(email, email_pattern))
        throw invalid("invalid_email", "'" + email + "' is not an email address");
}

}  // namespace

// Sessions are looked up by a hash of the token, so a leaked database does not leak live sessions.
std::string token_hash(const std::string& token) {
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                       nullptr, 0);
    return to_hex(digest, sizeof digest);
}

const char* to_string(role r) { return r == role::organizer ? "organizer" : "curator"; }

std::optional<role> role_from_string(const std::string& text) {
    if (text == "curator") return role::curator;
    if (text == "organizer") return role::organizer;
    return std::nullopt;
}

std::string random_token() {
    ensure_sodium();
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    return to_hex(bytes, sizeof bytes);
}

std::string hash_password(const std::string& password) {
    ensure_sodium();
    char hashed[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(hashed, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw catalog_error(error_kind::storage, "out_of_memory", "password hashing ran out of memory");
    return hashed;
}

bool password_matches(const std::string& stored_hash, const std::string& password) {
    ensure_sodium();
    return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

void check_password_rules(const std::string& password) {
    if (password.size() < 10) throw invalid("weak_password", "a password needs at least 10 characters");
    if (password.size() > 1024) throw invalid("invalid_password", "a password is at most 1024 bytes");
}

user create_user(database& db, const std::string& email, const std::string& display_name, role r,
                 const std::string& password) {
    check_email(email);
    check_password_rules(password);
    return create_user_hashed(db, email, display_name, r, hash_password(password));  // hashed before the write lock
}

user create_user_hashed(database& db, const std::string& email, const std::string& display_name, role r,
                        const std::string& password_hash) {
    check_email(email);
    transaction tx(db);
    // Emails are one account whatever their case: looked for in lower case (PostgreSQL's UNIQUE
    // compares bytes), the write lock holding between the look and the insert.
    auto taken = db.prepare("SELECT 1 FROM users WHERE lower(email) = lower(?1)");
    taken.bind(1, email);
    if (taken.step()) throw conflict("email_taken", "an account with " + email + " exists");
    auto st = db.prepare(
        "INSERT INTO users (email, display_name, role, password_hash) VALUES (?1, ?2, ?3, ?4) RETURNING id");
    st.bind(1, email).bind(2, display_name).bind(3, to_string(r)).bind(4, password_hash);
    std::int64_t id = 0;
    try {
        id = inserted_id(st);
    } catch (const database_error& e) {
        if (e.is_key_taken()) throw conflict("email_taken", "an account with " + email + " exists");
        throw;
    }
    tx.commit();
    return user{id, email, display_name, r};
}

user read_user_row(const statement& st) {
    return user{st.int64("id"), st.text("email"), st.text("display_name"),
                role_from_string(st.text("role")).value_or(role::curator)};
}

std::optional<user> check_login(database& db, const std::string& email, const std::string& password) {
    // Hash even for an unknown email so timing does not tell which emails have accounts.
    static const std::string decoy = hash_password("decoy password never matches");
    auto st = db.prepare(
        "SELECT id, email, display_name, role, password_hash FROM users WHERE lower(email) = lower(?1) "
        "AND disabled_at IS NULL");
    st.bind(1, email);
    if (!st.step() || password.size() > 1024) {
        password_matches(decoy, password.substr(0, 1024));
        return std::nullopt;
    }
    if (!password_matches(st.text("password_hash"), password)) return std::nullopt;
    return read_user_row(st);
}

session_tokens open_session(database& db, std::int64_t user_id, std::int64_t lifetime_seconds) {
    session_tokens tokens{random_token(), random_token(), unix_now() + lifetime_seconds};
    auto st = db.prepare("INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES (?1, ?2, ?3, ?4)");
    st.bind(1, token_hash(tokens.token)).bind(2, user_id).bind(3, tokens.csrf_token).bind(4, tokens.expires_at);
    st.run();
    return tokens;
}

std::optional<signed_in> find_session(database& db, const std::string& token) {
    if (token.size() != 64) return std::nullopt;
    auto st = db.prepare(
        "SELECT u.id, u.email, u.display_name, u.role, s.csrf_token, s.expires_at FROM sessions s "
        "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled_at IS NULL");
    st.bind(1, token_hash(token)).bind(2, unix_now());
    if (!st.step()) return std::nullopt;
    signed_in s;
    s.user = read_user_row(st);
    s.csrf_token = st.text("csrf_token");
    s.expires_at = st.int64("expires_at");
    return s;
}

void close_session(database& db, const std::string& token) {
    auto st = db.prepare("DELETE FROM sessions WHERE token_hash = ?1");
    st.bind(1, token_hash(token)).run();
}

int close_user_sessions(database& db, std::int64_t user_id) {
    auto st = db.prepare("DELETE FROM sessions WHERE user_id = ?1");
    st.bind(1, user_id).run();
    return db.changes();
}

int close_user_sessions(database& db, const std::string& email) {
    std::int64_t user_id = 0;
    {
        auto st = db.prepare("SELECT id FROM users WHERE lower(email) = lower(?1)");
        st.bind(1, email);
        if (!st.step()) throw not_found("no_such_user", "no account has the email " + email);
        user_id = st.int64(0);
    }
    return close_user_sessions(db, user_id);
}

std::vector<account> list_accounts(database& db) {
    auto st = db.prepare("SELECT id, email, display_name, role, disabled_at, created_at FROM users ORDER BY id");
    std::vector<account> out;
    while (st.step()) out.push_back(account{read_user_row(st), !st.is_null("disabled_at"), st.text("created_at")});
    return out;
}

account set_user_disabled(database& db, std::int64_t user_id, bool disabled) {
    transaction tx(db);
    auto found = db.prepare("SELECT id, email, display_name, role, disabled_at, created_at FROM users WHERE id = ?1");
    found.bind(1, user_id);
    if (!found.step()) throw not_found("no_such_user", "no account has the id " + std::to_string(user_id));
    account a{read_user_row(found), !found.is_null("disabled_at"), found.text("created_at")};
    if (a.disabled == disabled) return a;  // nothing changes, nothing to commit
    if (disabled && a.user.role == role::organizer) {
        auto others = db.prepare(
            "SELECT count(*) FROM users WHERE role = 'organizer' AND disabled_at IS NULL AND id <> ?1");
        others.bind(1, user_id).step();
        if (others.int64(0) == 0)
            throw conflict("last_organizer", "the festival needs at least one enabled organizer");
    }
    auto update = db.prepare("UPDATE users SET disabled_at = ?2 WHERE id = ?1");
    update.bind(1, user_id);
    if (disabled) update.bind(2, utc_now());
    else update.bind_null(2);
    update.run();
    if (disabled) close_user_sessions(db, user_id);
    tx.commit();
    a.disabled = disabled;
    return a;
}

password_change check_password_change(database& db, std::int64_t user_id, const std::string& current,
                                      const std::string& new_password) {
    check_password_rules(new_password);
    password_change change{user_id, {}, {}};
    {
        auto st = db.prepare("SELECT password_hash FROM users WHERE id = ?1 AND disabled_at IS NULL");
        st.bind(1, user_id);
        if (!st.step()) throw not_found("no_such_user", "no account has the id " + std::to_string(user_id));
        change.checked_hash = st.text("password_hash");
    }
    if (current.size() > 1024 || !password_matches(change.checked_hash, current))
        throw catalog_error(error_kind::forbidden, "wrong_password", "the current password is not right");
    change.new_hash = hash_password(new_password);
    return change;
}

void apply_password_change(database& db, const password_change& change, const std::string& kept_session_token) {
    transaction tx(db);
    // Only over the hash just checked: two changes at once cannot both pass with the same old password.
    auto update = db.prepare("UPDATE users SET password_hash = ?3 WHERE id = ?1 AND password_hash = ?2");
    update.bind(1, change.user_id).bind(2, change.checked_hash).bind(3, change.new_hash).run();
    if (db.changes() != 1)
        throw catalog_error(error_kind::forbidden, "wrong_password", "the password changed meanwhile");
    auto others = db.prepare("DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2");
    others.bind(1, change.user_id).bind(2, token_hash(kept_session_token)).run();
    tx.commit();
}

void change_password(database& db, std::int64_t user_id, const std::string& current, const std::string& new_password,
                     const std::string& kept_session_token) {
    apply_password_change(db, check_password_change(db, user_id, current, new_password), kept_session_token);
}

int purge_expired_sessions(database& db) {
    auto st = db.prepare("DELETE FROM sessions WHERE expires_at <= ?1");
    st.bind(1, unix_now()).run();
    return db.changes();
}

}  // namespace festival::catalog
