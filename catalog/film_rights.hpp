#pragma once
// A film's rights rules (docs/rights.md): where it may be shown, how many viewers it may have, and
// each viewer's windows to start and to finish it, and the viewer passes that count those viewers.
// A pass is the browser's random token for a film, kept here only as a hash; no address is stored.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::catalog {

class database;

struct film_rights {
    std::vector<std::string> countries;  // ISO 3166 alpha-2, upper case; empty: everywhere
    std::optional<std::int64_t> max_views;    // passes the film may ever have
    std::optional<std::int64_t> start_hours;  // from a pass's registration to its first play start
    std::optional<std::int64_t> watch_hours;  // from a pass's first play start
    // A gated film is streamed only to registered passes: its JSON carries no media token.
    bool gated() const { return max_views || start_hours || watch_hours; }
    bool operator==(const film_rights&) const = default;
};

// {"countries": [...], "max_views": n|null, "start_hours": n|null, "watch_hours": n|null}; a missing
// field is the rule's absence. Throws catalog_error(invalid, "invalid_field") naming the field.
film_rights rights_from_json(const nlohmann::json& j);
nlohmann::json rights_to_json(const film_rights& rights);

// The film's rules (none when it has no row).
film_rights film_rights_of(database& db, std::int64_t film_id);
// The rules of every film that has any, by film id: one query.
std::map<std::int64_t, film_rights> every_film_rights(database& db);
std::map<std::int64_t, film_rights> rights_of_films(database& db, const std::vector<std::int64_t>& film_ids);
void set_film_rights(database& db, std::int64_t film_id, const film_rights& rights);

// 32 lower-case hex digits, as the player makes them.
bool pass_shaped(const std::string& pass);

struct viewer_pass {
    std::int64_t registered_at = 0;          // unix seconds
    std::optional<std::int64_t> started_at;  // its first play start
};
std::optional<std::int64_t> start_until(const film_rights& rights, const viewer_pass& pass);
std::optional<std::int64_t> watch_until(const film_rights& rights, const viewer_pass& pass);

enum class pass_refusal { none, views, start_window, watch_window };
// Whether the pass's windows hold at `now`: the start window until its first play, the watch window after.
pass_refusal window_refusal(const film_rights& rights, const viewer_pass& pass, std::int64_t now);

struct pass_admission {
    pass_refusal refusal = pass_refusal::none;
    viewer_pass pass;  // when not refused for views
};
// A viewer asks for the film with its pass, in one write transaction so that concurrent first visits
// cannot exceed max_views: a new pass is registered and counts one view (refused once max_views
// passes exist); a known pass costs nothing. Then its windows are checked; with `play_start`, an
// admitted pass's first play start is recorded. Throws catalog_error(invalid) for a malformed pass.
pass_admission admit_pass(database& db, std::int64_t film_id, const film_rights& rights, const std::string& pass,
                          std::int64_t now, bool play_start);
// The pass as stored, when it is registered for the film.
std::optional<viewer_pass> find_pass(database& db, std::int64_t film_id, const std::string& pass);
// How many passes (views) the film has.
std::int64_t film_pass_count(database& db, std::int64_t film_id);

}  // namespace festival::catalog
