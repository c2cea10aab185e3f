// The festival's pages and their assets from web/, with the security headers every page carries, and
// the viewer's language as read from Accept-Language. Pages live at /{lang}/…: their heads are written
// here in that language (page_head), on the worker pool as they read the catalog; the old addresses
// without a language move there (page_redirects); assets are files, answered on the I/O thread.
#include <cctype>
#include <charconv>
#include <cstdio>
#include <unistd.h>

#include "catalog/accounts.hpp"
#include "catalog/festival_info.hpp"
#include "catalog/films.hpp"
#include "catalog/premieres.hpp"
#include "server/api/dispatcher.hpp"
#include "server/api/handlers.hpp"
#include "server/api/page_head.hpp"
#include "server/api/page_redirects.hpp"
#include "server/api/page_response.hpp"
#include "server/api/page_security.hpp"
#include "server/api/page_urls.hpp"
#include "server/api/site_pages.hpp"
#include "server/http/file_cache.hpp"
#include "server/web_assets.hpp"

namespace festival::server {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// "0.8" → 800; anything malformed counts as 0 (RFC 9110 qvalues have at most three decimals).
int quality_of(std::string_view q) {
    if (q.empty() || (q[0] != '0' && q[0] != '1')) return 0;
    int value = (q[0] - '0') * 1000;
    if (q.size() > 1) {
        if (q[1] != '.') return 0;
        int scale = 100;
        for (std::size_t i = 2; i < q.size() && i < 5; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(q[i]))) return 0;
            value += (q[i] - '0') * scale;
            scale /= 10;
        }
    }
    return value > 1000 ? 1000 : value;
}

}  // namespace

std::optional<std::string> preferred_page_language(std::string_view accept_language) {
    std::optional<std::string> best;
    int best_quality = 0;
    while (!accept_language.empty()) {
        const auto comma = accept_language.find(',');
        auto item = trim(accept_language.substr(0, comma));
        accept_language = comma == std::string_view::npos ? std::string_view{} : accept_language.substr(comma + 1);
        int quality = 1000;
        if (const auto semicolon = item.find(';'); semicolon != std::string_view::npos) {
            auto parameter = trim(item.substr(semicolon + 1));
            item = trim(item.substr(0, semicolon));
            quality = parameter.starts_with("q=") || parameter.starts_with("Q=") ? quality_of(parameter.substr(2)) : 0;
        }
        const auto base = item.substr(0, item.find('-'));
        for (const auto language : site_languages) {
            if (base.size() != language.size()) continue;
            bool same = true;
            for (std::size_t i = 0; i < base.size(); ++i)
                same = same && std::tolower(static_cast<unsigned char>(base[i])) == language[i];
            // The first language listed wins among equal qualities.
            if (same && quality > best_quality) {
                best = std::string(language);
                best_quality = quality;
            }
        }
    }
    return best;
}

http_response get_locale(festival_app&, http_request& request) {
    const auto header = request.header("accept-language");
    const auto language = header ? preferred_page_language(*header) : std::nullopt;
    auto response = http_response::json(200, {{"lang", language ? nlohmann::json(*language) : nlohmann::json(nullptr)}});
    response.set_header("Cache-Control", "private, no-cache");
    response.set_header("Vary", "Accept-Language");
    return response;
}

namespace {

// The page file's text: small files are held by the cache, others read here (worker pool).
std::string file_text(const cached_file& file) {
    if (file.contents) return *file.contents;
    std::string text(static_cast<std::size_t>(file.size), '\0');
    if (::pread(file.file->fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
        throw http_error(500, "internal_error", "a page file could not be read");
    return text;
}

std::optional<std::int64_t> whole_number(const std::string& text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

// Where an address without a language leads: the viewer's own choice from the language switch (the
// festival_lang cookie web/js/i18n.js keeps), else Accept-Language, else English.
std::string redirect_language(const http_request& request) {
    if (const auto chosen = request.cookie("festival_lang"))
        for (const auto l : site_languages)
            if (*chosen == l) return std::string(l);
    const auto header = request.header("accept-language");
    return (header ? preferred_page_language(*header) : std::nullopt).value_or("en");
}

}  // namespace

http_response site_page_response(festival_app& app, http_request& request, const site_address& address) {
    const auto [root, relative] = locate_web_file(app.settings->web_dir, app.settings->vendor_dir, address.page->file);
    const auto file = app.files.open(root, relative);
    if (!file) throw http_error(404, "not_found", "nothing at " + request.path);
    auto& db = app.catalog.local();
    // Staff see their unpublished films' pages, as GET /api/films/{key} shows them the film.
    if (!request.session)
        if (const auto token = request.cookie(session_cookie_name)) request.session = catalog::find_session(db, *token);

    page_head_input head;
    head.address = address;
    head.origin = site_origin(app, request);
    head.festival_name = catalog::load_festival(db).name;
    std::optional<catalog::film> film;
    std::optional<catalog::premiere> premiere;
    if (address.page->name == "film") {
        film = catalog::find_film_by_key(db, address.key);
    } else if (address.page->name == "premiere") {
        if (const auto id = whole_number(address.key)) premiere = catalog::find_premiere(db, *id);
        if (premiere) film = catalog::find_film(db, premiere->film_id);
        if (!film) premiere.reset();
    }
    if (film && !film->published && !request.session) film.reset(), premiere.reset();
    head.film = film ? &*film : nullptr;
    head.premiere = premiere ? &*premiere : nullptr;
    head.found = (address.page->name != "film" && address.page->name != "premiere") || film;
    head.listed = !film || film->published;

    http_response response;
    response.status = head.found ? 200 : 404;
    response.body = complete_page(file_text(*file), address.language, render_page_head(head));
    // Over the bytes sent: a page changes with its data now, not only with its file.
    const auto etag = content_etag(response.body);
    // What staff see may hold unpublished films: never kept by a shared cache.
    response.set_header("Cache-Control", request.session ? "private, no-cache" : "no-cache");
    response.set_header("ETag", etag);
    if (response.status == 200)
        if (const auto inm = request.header("if-none-match"); inm && etag_listed(*inm, etag)) {
            response.status = 304;
            response.body.clear();
            add_security_headers(response);
            return response;
        }
    response.set_header("Content-Type", "text/html; charset=utf-8");
    add_security_headers(response);
    return response;
}

http_response get_web_page(festival_app& app, http_request& request) {
    if (const auto address = find_site_page(request.path)) {
        if (!request.on_worker_pool) {
            http_response again;
            again.to_worker_pool = true;  // the head reads the catalog
            return again;
        }
        return site_page_response(app, request, *address);
    }
    if (request.method == "GET" || request.method == "HEAD") {
        if (auto moved = moved_page_address(request.path, request.query, redirect_language(request))) {
            http_response response;
            response.status = 301;
            response.set_header("Location", std::move(*moved));
            response.set_header("Vary", "Accept-Language, Cookie");
            response.set_header("Cache-Control", "no-cache");
            add_security_headers(response);
            return response;
        }
    }
    const auto [root, relative] = locate_web_file(app.settings->web_dir, app.settings->vendor_dir, request.path.substr(1));
    const auto file = app.files.open(root, relative);
    if (!file) throw http_error(404, "not_found", "nothing at " + request.path);
    // Pages and assets are not fingerprinted: browsers revalidate them with the ETag each time.
    auto response = file_response(request, *file, "Cache-Control: no-cache\r\n");
    add_security_headers(response);
    return response;
}

}  // namespace festival::server
