#pragma once
// A film's rights rules as one viewer meets them (docs/rights.md): the country of the request, the
// refusals and their codes, the film JSON's "rights" and "access", and POST /api/films/{key}/access,
// where a viewer pass is registered (counting a view) and answered with the film's media tokens.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/film_rights.hpp"
#include "catalog/films.hpp"
#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {

struct rights_refusal {
    std::string code;  // rights_country | rights_views | rights_start_window | rights_watch_window
    std::string message;
};

// The country of the request's client address; unknown without a geo database.
geo::country_code request_country(const festival_app& app, const http_request& request);
// Refused when the film has a country rule, a geo database is set and the client's country is not
// among the film's (an address the database cannot place is refused too).
std::optional<rights_refusal> country_refusal(const festival_app& app, const country_rule& rule,
                                              const http_request& request);
rights_refusal refusal_of(catalog::pass_refusal refusal);
nlohmann::json refusal_json(const rights_refusal& refusal);
// 403 {"error": {code, message}} (no-store, like every error).
[[noreturn]] void refuse(const rights_refusal& refusal);
// The clock of viewer passes, in unix seconds: the audience's, which tests drive (--test-clock-file).
std::int64_t rights_now(const festival_app& app);

// The films as the API shows them to this request: the catalog's fields, "rights", "access" and, unless
// the film is gated or refused to this viewer, its media tokens. One query for their rules.
nlohmann::json films_json_for(festival_app& app, const http_request& request, const std::vector<catalog::film>& films,
                              std::int64_t now);
nlohmann::json film_json_for(festival_app& app, const http_request& request, const catalog::film& film, std::int64_t now);

// POST /api/films/{key}/access {"pass": "<32 hex>"}.
http_response post_film_access(festival_app& app, http_request& request);

}  // namespace festival::server
