#pragma once
// The addresses of a film's published files, built here only: /media/… for viewers while the film
// screens, /preview/… for its curators and organizers, and the film JSON the API answers with them.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/films.hpp"

namespace festival::server {

// "/media/<film>/v<version>/<file>" and "/preview/<film>/v<version>/<file>".
std::string media_url(std::int64_t film_id, std::int64_t version, const std::string& file);
std::string preview_url(std::int64_t film_id, std::int64_t version, const std::string& file);

// The film as the API shows it: the catalog's fields and, when it has a version, where its files are.
nlohmann::json film_json(const catalog::film& f, std::int64_t now);
// For curators: the version a new master produced that waits for publication (its preview address and
// where to publish it), or null.
nlohmann::json pending_media_json(const catalog::film& f);

}  // namespace festival::server
