#include "server/api/sitemap.hpp"

#include "catalog/clock.hpp"
#include "server/api/markup_text.hpp"
#include "server/api/page_urls.hpp"
#include "server/api/site_pages.hpp"

namespace festival::server {
namespace {

// The language search engines are sent to when none of the three fits the searcher (x-default): the
// one the old addresses redirect to without an Accept-Language that names another.
constexpr std::string_view default_language = "en";

}  // namespace

std::string page_path_with_key(std::string_view pattern, std::string_view key) {
    std::string path(pattern);
    if (const auto brace = path.find("{key}"); brace != std::string::npos) path.replace(brace, 5, key);
    return path;
}

std::string sitemap_document(const std::string& origin, const std::vector<sitemap_page>& pages) {
    std::string out;
    out.reserve(512 + pages.size() * site_languages.size() * 700);
    out += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
    out += "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n";
    for (const auto& page : pages) {
        const auto address = [&](std::string_view language) { return escape_markup(origin + page_path(language, page.path)); };
        std::string alternates;
        for (const auto language : site_languages)
            alternates += "    <xhtml:link rel=\"alternate\" hreflang=\"" + std::string(language) + "\" href=\"" + address(language) + "\"/>\n";
        alternates += "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"" + address(default_language) + "\"/>\n";
        for (const auto language : site_languages) {
            out += "  <url>\n    <loc>" + address(language) + "</loc>\n";
            if (page.modified > 0) out += "    <lastmod>" + catalog::format_utc(page.modified) + "</lastmod>\n";
            out += alternates;
            out += "  </url>\n";
        }
    }
    out += "</urlset>\n";
    return out;
}

std::string robots_text(const std::string& origin) {
    std::string out = "User-agent: *\n";
    // The longest matching rule wins (RFC 9309 §2.2.2): posters stay readable under a closed /api/.
    out += "Allow: /api/films/*/poster\n";
    for (const char* closed : {"/api/", "/media/", "/preview/", "/embed/"}) out += std::string("Disallow: ") + closed + "\n";
    for (const auto language : site_languages)
        for (const auto& page : site_pages)
            if (!page.indexable) out += "Disallow: " + page_path(language, page_path_with_key(page.path, "")) + "\n";
    out += "Allow: /\n\n";
    out += "Sitemap: " + origin + "/sitemap.xml\n";
    return out;
}

}  // namespace festival::server
