// The pages' server side: security headers on every page, clean addresses, and the page language chosen
// from Accept-Language.
#include <doctest/doctest.h>

#include "server/api/handlers.hpp"
#include "server/api/markup_text.hpp"
#include "server/api/page_head.hpp"
#include "server/api/page_redirects.hpp"
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
    for (const char* path : {"/fr/", "/en/catalog", "/es/about", "/fr/login", "/js/i18n.js", "/i18n/es.json"}) {
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
    CHECK(http_call(server.port(), "GET", "/en/").header("content-type").starts_with("text/html"));
    CHECK(http_call(server.port(), "GET", "/js/i18n.js").header("content-type").starts_with("text/javascript"));

    const auto spanish = http_call(server.port(), "GET", "/api/locale", "", {{"Accept-Language", "es-AR,es;q=0.9"}});
    REQUIRE(spanish.status == 200);
    CHECK(spanish.json()["lang"] == "es");
    CHECK(spanish.header("vary").find("Accept-Language") != std::string::npos);
    const auto none = http_call(server.port(), "GET", "/api/locale", "", {{"Accept-Language", "de"}});
    CHECK(none.json()["lang"].is_null());
}

TEST_CASE("old page addresses move to the same page under the viewer's language") {
    using festival::server::moved_page_address;
    CHECK(moved_page_address("/", "", "fr") == "/fr/");
    CHECK(moved_page_address("/index.html", "", "es") == "/es/");
    CHECK(moved_page_address("/catalog", "category=short&q=mer", "es") == "/es/catalog?category=short&q=mer");
    CHECK(moved_page_address("/catalog.html", "", "en") == "/en/catalog");
    CHECK(moved_page_address("/films/la-frontera", "", "fr") == "/fr/films/la-frontera");
    CHECK(moved_page_address("/login", "next=%2Fcurator", "fr") == "/fr/login?next=%2Fcurator");
    CHECK(moved_page_address("/curator", "", "en") == "/en/curator");
    CHECK(moved_page_address("/organizer", "", "en") == "/en/organizer");
    CHECK(moved_page_address("/moderation", "", "es") == "/es/moderation");
    CHECK(moved_page_address("/feedback", "", "es") == "/es/feedback");
    CHECK(moved_page_address("/about", "", "fr") == "/fr/about");
    // The premiere's id moves into the path; the rest of the query stays.
    CHECK(moved_page_address("/premiere.html", "id=42", "es") == "/es/premieres/42");
    CHECK(moved_page_address("/premiere.html", "lang=x&id=42", "fr") == "/fr/premieres/42?lang=x");
    CHECK(moved_page_address("/premiere.html", "", "fr") == "/fr/catalog");
    CHECK(moved_page_address("/film.html", "slug=mer", "en") == "/en/films/mer");
    CHECK(moved_page_address("/film.html", "", "en") == "/en/catalog");
    // A decoded key is encoded again: nothing it holds reaches the header or changes the path.
    CHECK(moved_page_address("/films/a\r\nSet-Cookie: x=1", "", "en") == "/en/films/a%0D%0ASet-Cookie%3A%20x%3D1");
    CHECK(moved_page_address("/premiere.html", "id=%2F%2Fevil.example", "en") == "/en/premieres/%252F%252Fevil.example");
    // Assets, the API and the new addresses are not old page addresses.
    CHECK_FALSE(moved_page_address("/js/i18n.js", "", "fr"));
    CHECK_FALSE(moved_page_address("/api/films", "", "fr"));
    CHECK_FALSE(moved_page_address("/fr/catalog", "", "fr"));
    CHECK_FALSE(moved_page_address("/nothing-here", "", "fr"));
    CHECK_FALSE(moved_page_address("/films/a/b", "", "fr"));
    CHECK_FALSE(moved_page_address("/css/festival.html", "", "fr"));
}

TEST_CASE("a film page's head is written in its language, with every text escaped") {
    using namespace festival::server;
    const std::string hostile = "</title><script>alert(1)</script>\"'&<img src=x onerror=alert(1)>";
    festival::catalog::film film;
    film.id = 7;
    film.slug = "la-mer";
    film.original_title = "La mer";
    film.published = true;
    film.year = 2024;
    film.runtime_minutes = 92;
    film.directors = {"Awa Diop"};
    film.spoken_languages = {"wo"};
    film.poster = "poster.jpg";
    film.texts["fr"] = {hostile, "Une histoire de mer\u2028et de ciel."};
    film.texts["en"] = {"The sea", ""};
    page_head_input input;
    input.address = *find_site_page("/fr/films/la-mer");
    input.origin = "https://festival.example";
    input.festival_name = "Fest & <co>";
    input.film = &film;
    const auto head = render_page_head(input);
    CHECK(head.find("<script>alert") == std::string::npos);
    CHECK(head.find("<img") == std::string::npos);
    CHECK(head.find("<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;img src=x onerror=alert(1)&gt; — Fest &amp; &lt;co&gt;</title>") != std::string::npos);
    CHECK(head.find("<link rel=\"canonical\" href=\"https://festival.example/fr/films/la-mer\">") != std::string::npos);
    CHECK(head.find("hreflang=\"es\" href=\"https://festival.example/es/films/la-mer\"") != std::string::npos);
    CHECK(head.find("hreflang=\"x-default\" href=\"https://festival.example/en/films/la-mer\"") != std::string::npos);
    CHECK(head.find("<meta property=\"og:image\" content=\"https://festival.example/api/films/la-mer/poster\">") != std::string::npos);
    CHECK(head.find("<meta name=\"twitter:card\" content=\"summary_large_image\">") != std::string::npos);
    CHECK(head.find("<meta property=\"og:locale\" content=\"fr_FR\">") != std::string::npos);
    CHECK(head.find("noindex") == std::string::npos);
    // The JSON-LD closes only where it ends, and reads back as the film.
    const auto open = head.find("<script type=\"application/ld+json\">");
    REQUIRE(open != std::string::npos);
    const auto start = open + std::string("<script type=\"application/ld+json\">").size();
    const auto close = head.find("</script>", start);
    REQUIRE(close != std::string::npos);
    const auto json_text = head.substr(start, close - start);
    CHECK(json_text.find('<') == std::string::npos);
    CHECK(json_text.find("\xE2\x80\xA8") == std::string::npos);  // U+2028 ends a line in old scripts
    const auto movie = nlohmann::json::parse(json_text);
    CHECK(movie["@type"] == "Movie");
    CHECK(movie["name"] == hostile);
    CHECK(movie["duration"] == "PT1H32M");
    CHECK(movie["datePublished"] == "2024");
    CHECK(movie["director"][0]["name"] == "Awa Diop");
    CHECK(movie["description"] == "Une histoire de mer\u2028et de ciel.");

    // In Spanish the texts fall back to English, then French (as the pages' script does).
    input.address = *find_site_page("/es/films/7");
    const auto spanish = render_page_head(input);
    CHECK(spanish.find("<title>The sea — Fest &amp; &lt;co&gt;</title>") != std::string::npos);
    CHECK(spanish.find("https://festival.example/es/films/la-mer\"") != std::string::npos);  // canonical by slug
    CHECK(film_text(film, "es", "synopsis") == "Une histoire de mer\u2028et de ciel.");

    // Private pages and films not yet published are never indexed.
    input.listed = false;
    CHECK(render_page_head(input).find("<meta name=\"robots\" content=\"noindex\">") != std::string::npos);
    page_head_input login;
    login.address = *find_site_page("/en/login");
    login.origin = "http://127.0.0.1:8080";
    CHECK(render_page_head(login).find("<meta name=\"robots\" content=\"noindex\">") != std::string::npos);
    CHECK(render_page_head(login).find("<title>Sign in — Film festival</title>") != std::string::npos);
}

TEST_CASE("a page file gets the page's language and its head in place of its title") {
    using festival::server::complete_page;
    const auto page = complete_page("<!doctype html>\n<html lang=\"fr\">\n<head>\n  <title>Film</title>\n  <link rel=\"icon\">\n</head>",
                                    "es", "<title>X</title>\n  <meta name=\"description\" content=\"d\">\n");
    CHECK(page == "<!doctype html>\n<html lang=\"es\">\n<head>\n  <title>X</title>\n  <meta name=\"description\" content=\"d\">\n  <link rel=\"icon\">\n</head>");
    CHECK(festival::server::json_for_script(nlohmann::json("a</script>&b")) == "\"a\\u003c/script\\u003e\\u0026b\"");
}

TEST_CASE("the server answers old addresses with 301 and pages with their heads and validators") {
    temp_dir dir;
    festival_process server(dir.path().string());
    const auto moved = http_call(server.port(), "GET", "/catalog?q=mer", "", {{"Accept-Language", "es-MX,es;q=0.9"}});
    CHECK(moved.status == 301);
    CHECK(moved.header("location") == "/es/catalog?q=mer");
    CHECK(moved.header("vary").find("Accept-Language") != std::string::npos);
    CHECK(http_call(server.port(), "GET", "/", "", {{"Accept-Language", "de"}}).header("location") == "/en/");
    // The viewer's own choice from the language switch wins over the browser's languages.
    CHECK(http_call(server.port(), "GET", "/", "", {{"Accept-Language", "es"}, {"Cookie", "festival_lang=fr"}}).header("location") == "/fr/");
    CHECK(http_call(server.port(), "GET", "/", "", {{"Accept-Language", "es"}, {"Cookie", "festival_lang=de"}}).header("location") == "/es/");
    CHECK(http_call(server.port(), "HEAD", "/about", "", {{"Accept-Language", "fr"}}).header("location") == "/fr/about");
    CHECK(http_call(server.port(), "GET", "/css/festival.css").status == 200);  // assets stay where they are

    const auto page = http_call(server.port(), "GET", "/es/catalog");
    REQUIRE(page.status == 200);
    CHECK(page.body.find("<html lang=\"es\">") != std::string::npos);
    CHECK(page.body.find("<title>Películas — Festival</title>") != std::string::npos);  // the catalog's default name
    CHECK(page.header("content-type").starts_with("text/html"));
    const auto etag = page.header("etag");
    REQUIRE(!etag.empty());
    CHECK(http_call(server.port(), "GET", "/es/catalog", "", {{"If-None-Match", etag}}).status == 304);
    CHECK(http_call(server.port(), "GET", "/fr/catalog", "", {{"If-None-Match", etag}}).status == 200);

    const auto missing = http_call(server.port(), "GET", "/fr/films/no-such-film");
    CHECK(missing.status == 404);
    CHECK(missing.body.find("<title>Page introuvable") != std::string::npos);
    CHECK(missing.body.find("noindex") != std::string::npos);
    CHECK(http_call(server.port(), "GET", "/en/premieres/12345").status == 404);
}
