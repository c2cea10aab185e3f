#pragma once
// The festival's pages: each is served at /{lang}/{path} in every page language (fr, en, es), the file
// from web/ behind it, and whether search engines may list it (sitemap.xml, robots). One table, so
// routing, redirects of the old addresses, the sitemap and the pages' own links agree.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace festival::server {

struct site_page {
    std::string_view name;  // what the page is, for head rendering: "home", "film", …
    std::string_view path;  // after "/{lang}/"; "{key}" stands for one path segment
    std::string_view file;  // the page's HTML under web/
    bool indexable;         // listed in sitemap.xml, no "noindex"
};

inline constexpr std::array<std::string_view, 3> site_languages{"fr", "en", "es"};

inline constexpr std::array<site_page, 13> site_pages{{
    {"home", "", "index.html", true},
    {"catalog", "catalog", "catalog.html", true},
    {"about", "about", "about.html", true},
    {"film", "films/{key}", "film.html", true},
    {"premiere", "premieres/{key}", "premiere.html", true},
    {"feedback", "feedback", "feedback.html", true},
    {"login", "login", "login.html", false},
    {"curator", "curator", "curator.html", false},
    {"organizer", "organizer", "organizer.html", false},
    {"moderation", "moderation", "moderation.html", false},
    {"report", "report/{key}", "report.html", false},
    {"invitation", "invitation/{key}", "invitation.html", false},
    {"account", "account", "account.html", false},
}};

// A page address split into its parts: "/es/films/la-frontera" → {es, film page, "la-frontera"}.
struct site_address {
    std::string language;
    const site_page* page = nullptr;
    std::string key;  // the "{key}" segment, empty for pages without one
};

// The page at a path that starts with a page language, or nullopt ("/fr" and "/fr/" are the home page).
std::optional<site_address> find_site_page(std::string_view path);

}  // namespace festival::server
