#pragma once
// A film's text in a page language, each field falling back as the pages do (web/js/i18n.js `pick`):
// the language, then en, fr, es, then any other language the film has. One owner, so the page heads,
// the feeds, the embed page and the filmmakers' reports name a film alike.
#include <string>
#include <string_view>

#include "catalog/films.hpp"

namespace festival::catalog {

struct chosen_text {
    std::string text;      // empty when no language has the field
    std::string language;  // the language it is in
};

chosen_text film_text_in(const film& f, std::string_view language, std::string film_text::*field);

// The title in that order, else the original title (language "").
chosen_text film_title_in(const film& f, std::string_view language);

}  // namespace festival::catalog
