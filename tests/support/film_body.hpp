#pragma once
// The body of POST /api/films for a short film with a French title, as the API tests create them.
#include <string>

#include <nlohmann/json.hpp>

namespace festival::testing {

inline nlohmann::json film_body(const std::string& slug, bool published = true) {
    return {{"slug", slug},
            {"original_title", "Film " + slug},
            {"category", "short"},
            {"published", published},
            {"texts", {{"fr", {{"title", "Réintégration " + slug}, {"synopsis", "Un retour."}}}}}};
}

}  // namespace festival::testing
