#pragma once
// Tokens of transcoder workers on other hosts (docs/workers.md). An organizer makes one per worker
// host with `festival worker add NAME`; the token is shown once and only its hash is kept, so a
// stolen catalog names no live token. A revoked token is refused at its next request.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::catalog {

class database;

struct worker_token {
    std::int64_t id = 0;
    std::string name;
    std::string created_at;
    std::optional<std::string> revoked_at;
    std::optional<std::string> last_seen_at;
};

// A new token for the worker `name` ([A-Za-z0-9._-], 1 to 64 characters): 43 characters, base64url of
// 32 random bytes. A revoked name is given a new token; an active one is a conflict (worker_exists).
std::string add_worker_token(database& db, const std::string& name);
// Revokes the worker's token; false when it already was. Throws not_found for an unknown name.
bool revoke_worker_token(database& db, const std::string& name);
std::vector<worker_token> list_worker_tokens(database& db);
// The name of the active worker this token belongs to, nullopt for an unknown or revoked one. Notes
// when it was last seen (at most once a minute, so a busy worker does not write at every request).
std::optional<std::string> find_worker_by_token(database& db, const std::string& token, std::int64_t now);

nlohmann::json worker_token_to_json(const worker_token& t);

}  // namespace festival::catalog
