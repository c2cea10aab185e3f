#pragma once
// The festival's absolute addresses, for everything read away from the site (page heads, feeds, the
// sitemap, calendar files): one owner, so a link preview, a feed entry and a calendar URL agree.
#include <string>
#include <string_view>

namespace festival::server {

struct festival_app;
struct http_request;

// "https://festival.example": --public-url when set (without a trailing slash), else the request's
// scheme and Host, kept to the characters a host and port may hold.
std::string site_origin(festival_app& app, const http_request& request);
// "festival.example" of an origin (no scheme, no port): what a calendar UID names.
std::string host_of(const std::string& origin);
// "/fr/films/la-frontera": a page's address in a language (`path` after "/{lang}/", "" for home).
std::string page_path(std::string_view language, std::string_view path);

}  // namespace festival::server
