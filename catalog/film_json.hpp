#pragma once
// The JSON shape of a film, shared by the HTTP API and `festival import`.
#include <nlohmann/json.hpp>

#include "catalog/films.hpp"

namespace festival::catalog {

nlohmann::json film_to_json(const film& f, std::int64_t now);
// For curators: the version a new master produced that waits for publication (its preview address and
// where to publish it), or null.
nlohmann::json pending_media_json(const film& f);
// Reads a film from JSON, validating every field; throws catalog_error(invalid) with the field's name.
film film_from_json(const nlohmann::json& j);
// Applies an RFC 7386 merge patch to a stored film and validates the result.
film patch_film(const film& stored, const nlohmann::json& patch);

}  // namespace festival::catalog
