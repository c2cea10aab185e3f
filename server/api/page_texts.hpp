#pragma once
// What the server writes in a page's head before any script runs, in the page's language: each page's
// own title and description, and the few phrases around a film's or a premiere's. One table, so the
// three languages are kept side by side.
#include <string>
#include <string_view>

namespace festival::server {

struct page_text {
    std::string_view title;
    std::string_view description;
};

// A page of site_pages (by its name: "catalog", "login", …) in a language (fr, en or es); English for a
// language or page the table does not know.
page_text page_text_for(std::string_view page_name, std::string_view language);

// One phrase in a language: "festival" (the name when the organizers set none), "not_found" (a missing
// film or premiere's title), "not_found_description", "premiere" ("Premiere: {title}"), "feed" (the
// Atom feed's link title). "{title}" is replaced by `title`.
std::string page_phrase(std::string_view key, std::string_view language, std::string_view title = {});

// Open Graph's locale for a page language: "fr" → "fr_FR".
std::string_view open_graph_locale(std::string_view language);

}  // namespace festival::server
