#pragma once
// The addresses of a film's published files, built here only: /media/… for viewers while the film
// screens (with the time slice's signed token, server/api/media_token), /preview/… for its curators and
// organizers, and the film JSON the API answers with them.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "catalog/films.hpp"
#include "server/api/media_token.hpp"

namespace festival::server {

// "/media/<film>/v<version>/<token>/<file>" and "/preview/<film>/v<version>/<file>".
std::string media_url(std::int64_t film_id, std::int64_t version, const std::string& token, const std::string& file);
std::string preview_url(std::int64_t film_id, std::int64_t version, const std::string& file);

// The film as the API shows it: the catalog's fields and, when it has a version, where its files are.
// Viewers' URLs (and their token) only while the film screens at `now`: after its window closes no
// token is issued, so no cache in front can start it for anyone once the last one has expired.
// The viewer's side of the film's rights rules (server/api/viewer_rights): "rights" as set, and
// "access": {"required", "refusal"}; when access is required or refused, no viewer URL or token.
struct viewer_access {
    nlohmann::json rights = nullptr;
    bool required = false;
    nlohmann::json refusal = nullptr;
};
nlohmann::json film_json(const catalog::film& f, std::int64_t now, const media_token_signer& tokens,
                         const viewer_access& access);
// The film's "media" with its viewer URLs and token while it screens (what an admitted pass gets).
nlohmann::json viewer_media_json(const catalog::film& f, std::int64_t now, const media_token_signer& tokens);
// For curators: the version a new master produced that waits for publication (its preview address and
// where to publish it), or null.
nlohmann::json pending_media_json(const catalog::film& f);

}  // namespace festival::server
