#include "catalog/worker_tokens.hpp"

#include <sodium.h>

#include <regex>

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"

namespace festival::catalog {
namespace {

constexpr std::int64_t last_seen_resolution_seconds = 60;

std::string new_token() {
    if (sodium_init() < 0) throw catalog_error(error_kind::storage, "crypto_unavailable", "libsodium init failed");
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char text[sodium_base64_ENCODED_LEN(sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(text, sizeof text, bytes, sizeof bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return text;
}

void check_name(const std::string& name) {
    static const std::regex pattern("[A-Za-z0-9._-]{1,64}");
    if (!std::regex_match(name, pattern))
        throw invalid("invalid_worker_name", "a worker name is 1 to 64 letters, digits, '.', '_' or '-'");
}

worker_token read_row(statement& st) {
    return {st.int64("id"), st.text("name"), st.text("created_at"), st.optional_text("revoked_at"),
            st.optional_text("last_seen_at")};
}

}  // namespace

std::string add_worker_token(database& db, const std::string& name) {
    check_name(name);
    const auto token = new_token();
    // A revoked name takes a new token; an active one keeps its own (nothing returned).
    auto st = db.prepare(
        "INSERT INTO worker_tokens (name, token_hash, created_at) VALUES (:name, :hash, :now) "
        "ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, "
        "revoked_at = NULL, last_seen_at = NULL WHERE worker_tokens.revoked_at IS NOT NULL RETURNING id");
    st.bind(":name", name).bind(":hash", token_hash(token)).bind(":now", utc_now());
    const bool made = st.step();
    if (made) st.step();  // runs the statement to its end (one row at most)
    if (!made) throw conflict("worker_exists", "the worker " + name + " has a token: revoke it first");
    return token;
}

bool revoke_worker_token(database& db, const std::string& name) {
    auto st = db.prepare("UPDATE worker_tokens SET revoked_at = :now WHERE name = :name AND revoked_at IS NULL");
    st.bind(":now", utc_now()).bind(":name", name).run();
    if (db.changes() == 1) return true;
    auto known = db.prepare("SELECT 1 FROM worker_tokens WHERE name = :name");
    known.bind(":name", name);
    if (!known.step()) throw not_found("worker_not_found", "no worker named " + name);
    return false;
}

std::vector<worker_token> list_worker_tokens(database& db) {
    auto st = db.prepare(
        "SELECT id, name, created_at, revoked_at, last_seen_at FROM worker_tokens ORDER BY name");
    std::vector<worker_token> tokens;
    while (st.step()) tokens.push_back(read_row(st));
    return tokens;
}

std::optional<std::string> find_worker_by_token(database& db, const std::string& token, std::int64_t now) {
    const auto hash = token_hash(token);
    auto st = db.prepare(
        "SELECT name, last_seen_at FROM worker_tokens WHERE token_hash = :hash AND revoked_at IS NULL");
    st.bind(":hash", hash);
    if (!st.step()) return std::nullopt;
    auto name = st.text("name");
    const auto seen = st.optional_text("last_seen_at");
    const auto seen_at = seen ? parse_utc(*seen) : std::nullopt;
    st.reset();
    if (!seen_at || now - *seen_at >= last_seen_resolution_seconds) {
        auto touch = db.prepare("UPDATE worker_tokens SET last_seen_at = :now WHERE token_hash = :hash");
        touch.bind(":now", format_utc(now)).bind(":hash", hash).run();
    }
    return name;
}

nlohmann::json worker_token_to_json(const worker_token& t) {
    return {{"name", t.name},
            {"created_at", t.created_at},
            {"revoked_at", t.revoked_at ? nlohmann::json(*t.revoked_at) : nlohmann::json(nullptr)},
            {"last_seen_at", t.last_seen_at ? nlohmann::json(*t.last_seen_at) : nlohmann::json(nullptr)},
            {"active", !t.revoked_at}};
}

}  // namespace festival::catalog
