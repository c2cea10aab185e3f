// GET /embed/{key}: the film's player alone, for other sites' pages to frame. Served only for a
// published film whose curators opted in, with frame-ancestors listing exactly the sites they allowed
// (and no X-Frame-Options, which cannot name sites); anything else is a small 404 page that, like every
// other page, refuses to be framed. The page (web/embed.html) gets its language and title here.
#include <unistd.h>

#include "catalog/film_embeds.hpp"
#include "catalog/film_texts.hpp"
#include "server/api/handlers.hpp"
#include "server/api/markup_text.hpp"
#include "server/api/page_security.hpp"
#include "server/web_assets.hpp"

namespace festival::server {
namespace {

// ?lang= when it names a page language, else Accept-Language's choice, else English.
std::string embed_language(const http_request& request) {
    if (const auto asked = request.query_param("lang"); asked == "fr" || asked == "en" || asked == "es") return *asked;
    const auto header = request.header("accept-language");
    return header ? preferred_page_language(*header).value_or("en") : "en";
}


std::string read_page(festival_app& app, std::string_view name) {
    const auto [root, relative] = locate_web_file(app.settings->web_dir, app.settings->vendor_dir, name);
    const auto file = app.files.open(root, relative);
    if (!file) throw http_error(500, "page_missing", std::string("the page ") + std::string(name) + " is missing");
    if (file->contents) return *file->contents;
    std::string text(file->size, '\0');
    const auto got = ::pread(file->file->fd, text.data(), text.size(), 0);
    if (got != static_cast<ssize_t>(text.size())) throw http_error(500, "page_unreadable", "the embed page could not be read");
    return text;
}

// The page's <html lang> and <title>, set for this film and language (the template's are English).
std::string embed_page_text(std::string page, const std::string& language, const std::string& title) {
    constexpr std::string_view lang_attribute = "<html lang=\"en\"";
    if (const auto at = page.find(lang_attribute); at != std::string::npos)
        page.replace(at, lang_attribute.size(), "<html lang=\"" + language + "\"");
    const auto open = page.find("<title>");
    const auto close = open == std::string::npos ? open : page.find("</title>", open);
    if (close != std::string::npos) page.replace(open + 7, close - open - 7, escape_markup(title));
    return page;
}

struct not_embeddable_text {
    const char* title;
    const char* message;
};

not_embeddable_text not_embeddable_in(const std::string& language) {
    if (language == "fr") return {"Film indisponible ici", "Ce film ne peut pas être intégré à d'autres sites."};
    if (language == "es") return {"Película no disponible aquí", "Esta película no se puede insertar en otros sitios."};
    return {"Film not available here", "This film cannot be embedded on other sites."};
}

http_response not_embeddable(const std::string& language) {
    const auto text = not_embeddable_in(language);
    http_response response;
    response.status = 404;
    response.body = "<!doctype html>\n<html lang=\"" + language +
                    "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"robots\" content=\"noindex\">\n<title>" + text.title +
                    "</title>\n</head>\n<body>\n<main data-error=\"not_embeddable\">\n<h1>" + text.title + "</h1>\n<p>" +
                    text.message + "</p>\n</main>\n</body>\n</html>\n";
    response.set_header("Content-Type", "text/html; charset=utf-8");
    response.set_header("Cache-Control", "no-cache");
    response.set_header("Vary", "Accept-Language");
    add_security_headers(response);  // refuses every frame, like every page but a real embed
    return response;
}

}  // namespace

http_response get_embed_page(festival_app& app, http_request& request) {
    const auto language = embed_language(request);
    auto& db = app.catalog.local();
    const auto film = catalog::find_film_by_key(db, request.params.at("key"));
    if (!film || !film->published) return not_embeddable(language);
    const auto embed = catalog::find_film_embed(db, film->id);
    if (!embed.enabled) return not_embeddable(language);

    // The sites were checked and normalised when saved: plain origins, nothing that ends a directive.
    std::string ancestors = "'self'";
    for (const auto& site : embed.sites) ancestors += " " + site;
    http_response response;
    response.body = embed_page_text(read_page(app, "embed.html"), language, catalog::film_title_in(*film, language).text);
    response.set_header("Content-Type", "text/html; charset=utf-8");
    // The allowed sites change when curators save them: browsers ask again every time.
    response.set_header("Cache-Control", "no-cache");
    response.set_header("Vary", "Accept-Language");
    add_security_headers(response, ancestors);
    return response;
}

}  // namespace festival::server
