#pragma once
// What search engines read first: sitemap.xml (every indexable page in every page language, each with
// its language alternates) and robots.txt (private pages and the API kept out), both written from the
// one table of pages (site_pages.hpp). feeds_api.cpp reads the catalog and serves them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace festival::server {

struct sitemap_page {
    std::string path;          // after "/{lang}/": "", "catalog", "films/la-frontera"
    std::int64_t modified = 0; // unix seconds of its last change; 0 when unknown (no <lastmod>)
};

// The sitemap protocol's document (sitemaps.org 0.9) with one <url> per page and language, each naming
// all three languages and x-default (the English page) as <xhtml:link rel="alternate">.
std::string sitemap_document(const std::string& origin, const std::vector<sitemap_page>& pages);

// robots.txt: the API, media files, staff previews, embeds (copies of the film pages) and every
// non-indexable page in every language disallowed; posters allowed (link previews and image search
// read them); the sitemap's absolute address.
std::string robots_text(const std::string& origin);

// "films/{key}" with its key: "films/la-frontera".
std::string page_path_with_key(std::string_view pattern, std::string_view key);

}  // namespace festival::server
