#pragma once
// Filmmakers' report links: a private, revocable address per film that shows the film's audience to
// the people who lent it, in the language the link was made for (docs/reports.md). Organizers make
// them; the token is shown once and only its hash is kept, so a stolen catalog opens no report.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::catalog {

class database;

inline constexpr std::size_t max_report_label_chars = 200;

struct filmmaker_link {
    std::int64_t id = 0;
    std::int64_t film_id = 0;
    std::string language;  // fr | en | es: the report's language
    std::string label;     // the organizers' note ("for the director"), never shown on the report
    std::optional<std::int64_t> created_by;
    std::string created_at;
    std::optional<std::string> revoked_at;
};

struct created_filmmaker_link {
    filmmaker_link link;
    std::string token;  // 64 hex digits (256 random bits); never stored
};

// Throws invalid ("invalid_language": not fr, en or es; the label's text rules: at most 200
// characters, no control characters).
created_filmmaker_link create_filmmaker_link(database& db, std::int64_t film_id, const std::string& language,
                                             const std::string& label, std::optional<std::int64_t> created_by);
// A film's links, revoked ones included, oldest first. Never a token: the catalog has none.
std::vector<filmmaker_link> list_filmmaker_links(database& db, std::int64_t film_id);
std::optional<filmmaker_link> find_filmmaker_link(database& db, std::int64_t id);
// True when this call revoked it; false when it already was (the first time is kept). Throws
// not_found ("report_link_not_found") for an unknown id.
bool revoke_filmmaker_link(database& db, std::int64_t id);
// The active link whose token this is; nullopt for an unknown or revoked token.
std::optional<filmmaker_link> find_filmmaker_link_by_token(database& db, const std::string& token);

nlohmann::json filmmaker_link_to_json(const filmmaker_link& link);

}  // namespace festival::catalog
