#pragma once
// A page's head as the server writes it before any script runs, in the page's language: title,
// description, canonical and hreflang addresses, Open Graph and Twitter card tags (what link previews
// read), JSON-LD (what search engines read: a Movie for a film, an Event for a premiere), robots, and the
// Atom feed. Pure functions over what the page shows: the route reads the catalog, these write text.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "catalog/films.hpp"
#include "catalog/premieres.hpp"
#include "server/api/site_pages.hpp"

namespace festival::server {

struct page_head_input {
    site_address address;         // the page, its language and key
    std::string origin;           // "https://festival.example" (site_origin), for absolute addresses
    std::string festival_name;    // the organizers' name for the festival; "" for the phrase
    const catalog::film* film = nullptr;          // film and premiere pages
    const catalog::premiere* premiere = nullptr;  // premiere pages
    bool found = true;            // false: the film or premiere does not exist for this viewer (a 404)
    bool listed = true;           // false: only staff may see it (an unpublished film): never indexed
};

// The lines that take the place of the page file's <title> element.
std::string render_page_head(const page_head_input& input);

// `html` (a page file from web/) with its <html lang> set to `language` and its <title> element
// replaced by `head`.
std::string complete_page(std::string_view html, std::string_view language, std::string_view head);

// A film's text field ("title" or "synopsis") in a language, falling back as the pages do
// (web/js/i18n.js pick): the language, then en, fr, es, then any other; "" when none has it.
std::string film_text(const catalog::film& film, std::string_view language, std::string_view field);

// JSON for a <script> element: '<', '>', '&' and U+2028/U+2029 written as \uXXXX escapes, so no
// text inside can close the element or open markup, and the JSON still parses to the same value.
std::string json_for_script(const nlohmann::json& value);

// "PT1H32M" for 92 minutes (ISO 8601 duration).
std::string iso_duration(int minutes);

}  // namespace festival::server
