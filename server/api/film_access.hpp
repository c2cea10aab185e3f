#pragma once
// Who may change a film: organizers every film, curators the films assigned to them. Every curator
// route that names a film, directly or through one of its uploads or jobs, asks here.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/films.hpp"
#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {

bool can_edit_film(festival_app& app, const catalog::signed_in& who, std::int64_t film_id);
// 403 not_your_film unless the signed-in caller may change the film.
void require_film_access(festival_app& app, const http_request& request, std::int64_t film_id);
// For staff: each film's JSON in `items` (parallel to `films`) gets "curators" and "can_edit".
void add_staff_fields(festival_app& app, const catalog::signed_in& who, const std::vector<catalog::film>& films,
                      nlohmann::json& items);

// PUT /api/films/{key}/curators (organizers): {"curators": [id or email, …]} replaces the film's curators.
http_response put_film_curators(festival_app& app, http_request& request);

}  // namespace festival::server
