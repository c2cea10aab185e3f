// The pages' server side: security headers on every page, clean addresses, and the page language chosen
// from Accept-Language.
#include <doctest/doctest.h>

#include "server/api/handlers.hpp"
#include "server/api/markup_text.hpp"
#include "server/api/site_pages.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;
using festival::server::preferred_page_language;

TEST_CASE("the page language is the festival language Accept-Language ranks highest") {
    CHECK(preferred_page_language("es-ES,es;q=0.9,en;q=0.8") == "es");
    CHECK(preferred_page_language("de-DE,de;q=0.9,fr;q=0.5,en;q=0.4") == "fr");
    CHECK(preferred_page_language("en;q=0.3, FR-ca ; q=0.7") == "fr");
    CHECK(preferred_page_language("pt-BR, en-GB") == "en");
    CHECK(preferred_page_language("fr, es") == "fr");  // equal quality: the first listed wins
    CHECK(preferred_page_language("es;q=0, en;q=0.1") == "en");  // q=0 means "not this one"
    CHECK(preferred_page_language("de, it, *") == std::nullopt);
    CHECK(preferred_page_language("") == std::nullopt);
    CHECK(preferred_page_language("fr;q=abc, es;q=0.2") == "es");  // a malformed quality counts as 0
    CHECK(preferred_page_language("fra, eng") == std::nullopt);
}

TEST_CASE("text for pages and feeds is escaped for elements and attributes alike") {
    using festival::server::escape_markup;
    CHECK(escape_markup("Tom & Jerry's \"<b>\"") == "Tom &amp; Jerry&#39;s &quot;&lt;b&gt;&quot;");
    CHECK(escape_markup("Là-bas, ¿dónde?") == "Là-bas, ¿dónde?");
    CHECK(escape_markup("").empty());
}

TEST_CASE("a page address names its language, its page and the page's key") {
    using festival::server::find_site_page;
    const auto film = find_site_page("/es/films/la-frontera");
    REQUIRE(film);
    CHECK(film->language == "es");
    CHECK(film->page->name == "film");
    CHECK(film->key == "la-frontera");
    CHECK(find_site_page("/fr")->page->name == "home");
    CHECK(find_site_page("/fr/")->page->name == "home");
    CHECK(find_site_page("/en/catalog")->page->file == "catalog.html");
    CHECK(find_site_page("/en/catalog")->key.empty());
    CHECK_FALSE(find_site_page("/de/catalog"));          // not a page language
    CHECK_FALSE(find_site_page("/french"));              // a language is a whole segment
    CHECK_FALSE(find_site_page("/en/films/"));           // a key is never empty
    CHECK_FALSE(find_site_page("/en/films/a/b"));        // and one segment only
    CHECK_FALSE(find_site_page("/en/no-such-page"));
    CHECK_FALSE(find_site_page("/catalog"));
}

TEST_CASE("pages carry a strict CSP and security headers, GET /api/locale follows Accept-Language") {
    temp_dir dir;
    festival_process server(dir.path().string());
    for (const char* path : {"/", "/catalog", "/about", "/login", "/films/any-film", "/js/i18n.js", "/i18n/es.json"}) {
        CAPTURE(path);
        const auto page = http_call(server.port(), "GET", path);
        REQUIRE(page.status == 200);
        const auto csp = page.header("content-security-policy");
        CHECK(csp.find("script-src 'self'") != std::string::npos);
        CHECK(csp.find("unsafe-inline") == std::string::npos);
        CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
        CHECK(page.header("x-content-type-options") == "nosniff");
        CHECK(!page.header("referrer-policy").empty());
    }
    CHECK(http_call(server.port(), "GET", "/").header("content-type").starts_with("text/html"));
    CHECK(http_call(server.port(), "GET", "/js/i18n.js").header("content-type").starts_with("text/javascript"));

    const auto spanish = http_call(server.port(), "GET", "/api/locale", "", {{"Accept-Language", "es-AR,es;q=0.9"}});
    REQUIRE(spanish.status == 200);
    CHECK(spanish.json()["lang"] == "es");
    CHECK(spanish.header("vary").find("Accept-Language") != std::string::npos);
    const auto none = http_call(server.port(), "GET", "/api/locale", "", {{"Accept-Language", "de"}});
    CHECK(none.json()["lang"].is_null());
}
