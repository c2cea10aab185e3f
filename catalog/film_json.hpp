#pragma once
// The JSON shape of a film, shared by the HTTP API and `festival import`.
#include <nlohmann/json.hpp>

#include "catalog/films.hpp"

namespace festival::catalog {

// Every field the catalog holds, and the screening state at `now`. Where the film's files are served
// is the server's to add (server/api/media_urls.hpp).
nlohmann::json film_to_json(const film& f, std::int64_t now);
// Reads a film from JSON, validating every field; throws catalog_error(invalid) with the field's name.
film film_from_json(const nlohmann::json& j);
// Applies an RFC 7386 merge patch to a stored film and validates the result.
film patch_film(const film& stored, const nlohmann::json& patch);

}  // namespace festival::catalog
