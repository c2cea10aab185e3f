// The Atom and sitemap writers alone: hostile text stays text, the documents are well-formed XML as a
// real parser (xmllint, libxml2) reads them, and robots.txt follows the table of pages.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "server/api/atom_feed.hpp"
#include "server/api/sitemap.hpp"

using namespace festival::server;

namespace {

const std::string hostile = "</title><x>&\"'";

struct parsed {
    int status = -1;
    std::string output;
};

// Runs xmllint on the document with `arguments` (e.g. --noout, or --xpath EXPR) and returns its exit
// status and what it printed. A real XML parser: well-formedness is its first check.
parsed xmllint(const std::string& document, const std::string& arguments) {
    const auto file = std::filesystem::temp_directory_path() / ("festival-feed-" + std::to_string(::getpid()) + ".xml");
    std::ofstream(file, std::ios::binary) << document;
    parsed result;
    if (FILE* pipe = ::popen(("xmllint " + arguments + " " + file.string() + " 2>&1").c_str(), "r")) {
        char buffer[4096];
        for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.output.append(buffer, n);
        const int status = ::pclose(pipe);
        result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::filesystem::remove(file);
    return result;
}

// The text of the first node an XPath names, as the parser decoded it.
std::string xpath_text(const std::string& document, const std::string& expression) {
    const auto r = xmllint(document, "--xpath \"string(" + expression + ")\"");
    REQUIRE_MESSAGE(r.status == 0, r.output);
    auto text = r.output;
    if (text.ends_with('\n')) text.pop_back();
    return text;
}

atom_feed hostile_feed() {
    atom_feed feed;
    feed.id = "tag:festival.test,2026:films-fr";
    feed.language = "fr";
    feed.title = "Festival " + hostile + " — films";
    feed.subtitle = "Sous-titre " + hostile;
    feed.self = "https://festival.test/fr/feed.atom";
    feed.alternate = "https://festival.test/fr/catalog";
    feed.author_name = "Festival " + hostile;
    feed.author_uri = "https://festival.test/fr/";
    feed.updated = 1796151600;
    atom_entry entry;
    entry.id = "tag:festival.test,2026:film-7";
    entry.title = "Été " + hostile + " \x01\x1f fin";  // controls XML cannot hold
    entry.summary = "Résumé\n" + hostile;
    entry.link = "https://festival.test/fr/films/ete?x=1&y=\"2\"";
    entry.updated = 1796151600;
    entry.category = "available";
    entry.category_label = "À voir " + hostile;
    entry.thumbnail = "https://festival.test/api/films/7/poster?v=a&b=<c>";
    feed.entries.push_back(entry);
    return feed;
}

}  // namespace

TEST_CASE("feeds: the Atom writer keeps a hostile title as text in a well-formed document") {
    const auto feed = hostile_feed();
    const auto document = atom_document(feed);
    const auto checked = xmllint(document, "--noout");
    CHECK_MESSAGE(checked.status == 0, checked.output);
    CHECK(document.find("<x>") == std::string::npos);
    CHECK(document.find("</title><x>") == std::string::npos);
    CHECK(document.find("\x01") == std::string::npos);

    const std::string atom = "*[local-name()='";
    CHECK(xpath_text(document, "/" + atom + "feed']/" + atom + "title']") == feed.title);
    CHECK(xpath_text(document, "/" + atom + "feed']/" + atom + "author']/" + atom + "name']") == feed.author_name);
    CHECK(xpath_text(document, "//" + atom + "entry']/" + atom + "title']") == "Été " + hostile + "  fin");
    CHECK(xpath_text(document, "//" + atom + "entry']/" + atom + "summary']") == feed.entries[0].summary);
    CHECK(xpath_text(document, "//" + atom + "entry']/" + atom + "link']/@href") == feed.entries[0].link);
    CHECK(xpath_text(document, "//" + atom + "entry']/" + atom + "category']/@label") == feed.entries[0].category_label);
    CHECK(xpath_text(document, "//" + atom + "thumbnail']/@url") == feed.entries[0].thumbnail);
    CHECK(xpath_text(document, "//" + atom + "entry']/" + atom + "updated']") == "2026-12-01T19:00:00Z");
    CHECK(xpath_text(document, "/" + atom + "feed']/@xml:lang") == "fr");
}

TEST_CASE("feeds: the Atom writer names what RFC 4287 asks of a feed, once each, and leaves out what is empty") {
    auto feed = hostile_feed();
    feed.subtitle.clear();
    feed.entries[0].summary.clear();
    feed.entries[0].thumbnail.clear();
    feed.entries[0].category.clear();
    feed.entries.push_back(feed.entries[0]);
    feed.entries[1].id = "tag:festival.test,2026:film-8";
    const auto document = atom_document(feed);
    CHECK(xmllint(document, "--noout").status == 0);
    const auto count = [&](const std::string& what) { return xpath_text(document, "count(" + what + ")"); };
    CHECK(count("/*[local-name()='feed']/*[local-name()='id']") == "1");
    CHECK(count("/*[local-name()='feed']/*[local-name()='updated']") == "1");
    CHECK(count("/*[local-name()='feed']/*[local-name()='link'][@rel='self']") == "1");
    CHECK(count("/*[local-name()='feed']/*[local-name()='link'][@rel='alternate']") == "1");
    CHECK(count("//*[local-name()='entry']") == "2");
    CHECK(count("//*[local-name()='summary']") == "0");
    CHECK(count("//*[local-name()='subtitle']") == "0");
    CHECK(count("//*[local-name()='thumbnail']") == "0");
    CHECK(count("//*[local-name()='category']") == "0");
    CHECK(xpath_text(document, "(//*[local-name()='entry'])[2]/*[local-name()='id']") == "tag:festival.test,2026:film-8");
}

TEST_CASE("feeds: xml_text drops what XML 1.0 cannot hold and escapes the rest") {
    CHECK(xml_text("a\tb\nc\rd") == "a\tb\nc\rd");
    CHECK(xml_text(std::string("nul") + '\0' + "\x07\x1b!") == "nul!");
    CHECK(xml_text("x\xEF\xBF\xBEy\xEF\xBF\xBFz\xEF\xBF\xBD") == "xyz\xEF\xBF\xBD");  // U+FFFD stays
    CHECK(xml_text(hostile) == "&lt;/title&gt;&lt;x&gt;&amp;&quot;&#39;");
    CHECK(xml_text("Ñandú « été »") == "Ñandú « été »");
}

TEST_CASE("feeds: the sitemap lists each page in each language with its alternates and x-default") {
    const std::vector<sitemap_page> pages{{"", 0}, {"films/ete-" + std::string("a&b"), 1796151600}};
    const auto document = sitemap_document("https://festival.test", pages);
    const auto checked = xmllint(document, "--noout");
    CHECK_MESSAGE(checked.status == 0, checked.output);
    const auto count = [&](const std::string& what) { return xpath_text(document, "count(" + what + ")"); };
    CHECK(count("//*[local-name()='url']") == "6");
    CHECK(count("//*[local-name()='url']/*[local-name()='link']") == "24");  // 3 languages + x-default each
    CHECK(count("//*[local-name()='lastmod']") == "3");
    CHECK(xpath_text(document, "(//*[local-name()='loc'])[1]") == "https://festival.test/fr/");
    CHECK(xpath_text(document, "(//*[local-name()='loc'])[6]") == "https://festival.test/es/films/ete-a&b");
    CHECK(xpath_text(document, "(//*[local-name()='url'])[5]/*[local-name()='lastmod']") == "2026-12-01T19:00:00Z");
    CHECK(xpath_text(document, "(//*[local-name()='url'])[5]/*[local-name()='link'][@hreflang='x-default']/@href") ==
          "https://festival.test/en/films/ete-a&b");
    CHECK(xpath_text(document, "(//*[local-name()='url'])[2]/*[local-name()='link'][@hreflang='es']/@href") ==
          "https://festival.test/es/");
}

TEST_CASE("feeds: robots.txt closes the API, media, previews, embeds and private pages, and names the sitemap") {
    const auto robots = robots_text("https://festival.test");
    const auto has = [&](const std::string& line) { return robots.find(line + "\n") != std::string::npos; };
    CHECK(robots.starts_with("User-agent: *\n"));
    for (const char* closed : {"/api/", "/media/", "/preview/", "/embed/"}) CHECK(has(std::string("Disallow: ") + closed));
    CHECK(has("Allow: /api/films/*/poster"));
    for (const char* language : {"fr", "en", "es"}) {
        const std::string prefix = std::string("Disallow: /") + language + "/";
        for (const char* page : {"login", "curator", "organizer", "moderation", "report/", "invitation/", "account"})
            CHECK_MESSAGE(has(prefix + page), (prefix + page));
        for (const char* page : {"catalog", "films/", "about", "feedback", "premieres/"}) CHECK_FALSE(has(prefix + page));
    }
    CHECK(has("Sitemap: https://festival.test/sitemap.xml"));
    CHECK(page_path_with_key("films/{key}", "la-frontera") == "films/la-frontera");
    CHECK(page_path_with_key("catalog", "x") == "catalog");
}
