#pragma once
// The film a route's {key} (id or slug) names, or 404 film_not_found; defined in films_api.cpp.
#include "catalog/films.hpp"
#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {

// Anonymous viewers see published films only; signed-in curators see every film.
catalog::film load_visible_film(festival_app& app, const http_request& request);
// Any film, published or not, that the signed-in caller may change (film_access.hpp): 404
// film_not_found, or 403 not_your_film for a curator not assigned to it.
catalog::film load_film_for_change(festival_app& app, const http_request& request);

}  // namespace festival::server
