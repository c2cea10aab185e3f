// Feeds, film window calendars, the sitemap and robots.txt through the real route table, in process:
// what each lists (public films only, openings within 30 days), per-language texts, caching answers.
#include <doctest/doctest.h>

#include <string>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/inserted_id.hpp"
#include "server/api/calendar_file.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/in_process_checks.hpp"

using namespace festival::testing;
using festival::catalog::format_utc;
using festival::catalog::unix_now;
using festival::server::calendar_utc;
using nlohmann::json;

namespace {

const request_headers host{{"Host", "festival.test"}};

struct feeds_fixture : in_process_festival {
    in_process_client organizer{this, add_staff("organizer@festival.test", festival::catalog::role::organizer)};
    std::int64_t now = unix_now();

    // A film whose window runs from `from` to `until` seconds from now (absent when nullopt).
    std::int64_t add_film(const std::string& slug, bool published, std::optional<std::int64_t> from,
                          std::optional<std::int64_t> until, json texts = nullptr) {
        auto body = film_body(slug, published);
        if (from) body["available_from"] = format_utc(now + *from);
        if (until) body["available_until"] = format_utc(now + *until);
        if (!texts.is_null()) body["texts"] = texts;
        const auto created = organizer.call("POST", "/api/films", body.dump());
        REQUIRE_MESSAGE(created.status == 201, created.body);
        return created.json()["id"].get<std::int64_t>();
    }
    http_result get(const std::string& target, request_headers headers = host) {
        return as_http_result(call("GET", target, "", headers));
    }
};

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("feeds: each language's feed lists films screening now and opening within 30 days, nothing else") {
    feeds_fixture f;
    const auto now_id = f.add_film("now-film", true, -86400, 86400 * 20,
                                   {{"fr", {{"title", "Maintenant"}, {"synopsis", "Résumé FR"}}},
                                    {"en", {{"title", "Now showing"}, {"synopsis", "English synopsis"}}}});
    const auto soon_id = f.add_film("soon-film", true, 86400 * 10, 86400 * 40,
                                    {{"es", {{"title", "Pronto"}, {"synopsis", ""}}}});
    f.add_film("far-film", true, 86400 * 60, std::nullopt);
    f.add_film("hidden-film", false, -86400, 86400);
    f.add_film("closed-film", true, -86400 * 20, -86400);
    f.add_film("always-film", true, std::nullopt, std::nullopt);

    const auto fr = f.get("/fr/feed.atom");
    REQUIRE(fr.status == 200);
    CHECK(fr.headers.at("content-type") == "application/atom+xml; charset=utf-8");
    CHECK(fr.headers.at("cache-control") == "public, max-age=300");
    CHECK(occurrences(fr.body, "<entry>") == 3);
    CHECK(fr.body.find("<title>Maintenant</title>") != std::string::npos);
    CHECK(fr.body.find("<summary>Résumé FR</summary>") != std::string::npos);
    CHECK(fr.body.find("<id>tag:festival.test,2026:film-" + std::to_string(now_id) + "</id>") != std::string::npos);
    CHECK(fr.body.find("<id>tag:festival.test,2026:film-" + std::to_string(soon_id) + "-opening</id>") != std::string::npos);
    CHECK(fr.body.find("Bientôt : Pronto (à partir du ") != std::string::npos);
    CHECK(fr.body.find("<category term=\"opening-soon\" label=\"Bientôt\"/>") != std::string::npos);
    CHECK(fr.body.find("href=\"http://festival.test/fr/films/now-film\"") != std::string::npos);
    CHECK(fr.body.find("href=\"http://festival.test/fr/feed.atom\"") != std::string::npos);
    CHECK(fr.body.find("xml:lang=\"fr\"") != std::string::npos);
    for (const char* absent : {"far-film", "hidden-film", "closed-film"}) CHECK_MESSAGE(fr.body.find(absent) == std::string::npos, absent);
    CHECK(fr.body.find("always-film") != std::string::npos);  // no window at all: screening since published

    const auto es = f.get("/es/feed.atom");
    REQUIRE(es.status == 200);
    CHECK(es.body.find("<title>Now showing</title>") != std::string::npos);  // es → en
    CHECK(es.body.find("Próximamente: Pronto (desde el ") != std::string::npos);
    CHECK(es.body.find("href=\"http://festival.test/es/films/soon-film\"") != std::string::npos);
    CHECK(es.body.find("<id>tag:festival.test,2026:film-" + std::to_string(now_id) + "</id>") != std::string::npos);
    const auto en = f.get("/en/feed.atom");
    CHECK(en.body.find("<title>Now showing</title>") != std::string::npos);
    CHECK(en.body.find("<title>Réintégration always-film</title>") != std::string::npos);  // only French: en → fr

    check_error_shape(f.call("GET", "/de/feed.atom", "", host), 404);
}

TEST_CASE("feeds: the feed and the sitemap answer 304 to their own ETag, and change when a film does") {
    feeds_fixture f;
    f.add_film("one", true, -3600, 86400);
    const auto first = f.get("/en/feed.atom");
    const auto etag = first.headers.at("etag");
    CHECK(etag.size() > 2);
    auto again = host;
    again.emplace_back("If-None-Match", etag);
    const auto unchanged = f.get("/en/feed.atom", again);
    CHECK(unchanged.status == 304);
    CHECK(unchanged.body.empty());
    CHECK(unchanged.headers.at("etag") == etag);
    CHECK(f.organizer.call("PATCH", "/api/films/one", json{{"texts", {{"en", {{"title", "Renamed"}}}}}}.dump()).status == 200);
    const auto changed = f.get("/en/feed.atom", again);
    CHECK(changed.status == 200);
    CHECK(changed.body.find("<title>Renamed</title>") != std::string::npos);

    const auto sitemap = f.get("/sitemap.xml");
    auto sitemap_again = host;
    sitemap_again.emplace_back("If-None-Match", sitemap.headers.at("etag"));
    CHECK(f.get("/sitemap.xml", sitemap_again).status == 304);
}

TEST_CASE("feeds: a film's window as a calendar file in the language asked for, and its refusals") {
    feeds_fixture f;
    const auto id = f.add_film("window-film", true, 86400 * 10, 86400 * 40,
                               {{"fr", {{"title", "Fenêtre; à, voir"}, {"synopsis", "Le résumé"}}}, {"en", {{"title", "Window"}}}});
    const auto fr = f.get("/api/films/window-film/calendar.ics?lang=fr");
    REQUIRE(fr.status == 200);
    CHECK(fr.headers.at("content-type") == "text/calendar; charset=utf-8");
    CHECK(fr.body.find("UID:film-" + std::to_string(id) + "-window@festival.test\r\n") != std::string::npos);
    CHECK(fr.body.find("SUMMARY:Fenêtre\\; à\\, voir\r\n") != std::string::npos);
    CHECK(fr.body.find("DTSTART:" + calendar_utc(f.now + 86400 * 10)) != std::string::npos);
    CHECK(fr.body.find("URL:http://festival.test/fr/films/window-film\r\n") != std::string::npos);
    CHECK(fr.body.find("DESCRIPTION:Le résumé\\n\\nhttp://festival.test/fr/films/window-film") != std::string::npos);
    const auto en = f.get("/api/films/window-film/calendar.ics");  // no ?lang=: English
    CHECK(en.body.find("SUMMARY:Window\r\n") != std::string::npos);
    CHECK(en.body.find("URL:http://festival.test/en/films/window-film\r\n") != std::string::npos);

    f.add_film("opening-only", true, 3600, std::nullopt);
    const auto open_only = f.get("/api/films/opening-only/calendar.ics");
    REQUIRE(open_only.status == 200);
    CHECK(open_only.body.find("DTSTART:" + calendar_utc(f.now + 3600)) != std::string::npos);
    CHECK(open_only.body.find("DTEND:" + calendar_utc(f.now + 7200)) != std::string::npos);

    f.add_film("no-window", true, std::nullopt, std::nullopt);
    const auto none = f.call("GET", "/api/films/no-window/calendar.ics", "", host);
    check_error_shape(none, 404);
    CHECK(error_code(none) == "no_window");
    f.add_film("closing-only", true, std::nullopt, 86400);
    CHECK(error_code(f.call("GET", "/api/films/closing-only/calendar.ics", "", host)) == "no_window");
    f.add_film("unpublished", false, 3600, 7200);
    CHECK(error_code(f.call("GET", "/api/films/unpublished/calendar.ics", "", host)) == "film_not_found");
    const auto bad_language = f.call("GET", "/api/films/window-film/calendar.ics?lang=de", "", host);
    check_error_shape(bad_language, 400);
}

TEST_CASE("feeds: the sitemap lists the indexable pages and every public film in three languages, and robots.txt names it") {
    feeds_fixture f;
    f.add_film("listed", true, -3600, 86400);
    f.add_film("ended", true, -86400 * 3, -86400);
    f.add_film("draft", false, -3600, 86400);
    const auto sitemap = f.get("/sitemap.xml");
    REQUIRE(sitemap.status == 200);
    CHECK(sitemap.headers.at("content-type") == "application/xml; charset=utf-8");
    for (const char* language : {"fr", "en", "es"}) {
        const std::string base = std::string("<loc>http://festival.test/") + language + "/";
        for (const char* page : {"", "catalog", "about", "feedback", "films/listed", "films/ended"})
            CHECK_MESSAGE(sitemap.body.find(base + page + "</loc>") != std::string::npos, (base + page));
        for (const char* page : {"login", "curator", "organizer", "moderation", "account", "films/draft"})
            CHECK_MESSAGE(sitemap.body.find(base + page + "</loc>") == std::string::npos, (base + page));
    }
    CHECK(occurrences(sitemap.body, "<url>") == 3 * 6);
    CHECK(occurrences(sitemap.body, "hreflang=\"x-default\" href=\"http://festival.test/en/films/listed\"") == 3);

    const auto robots = f.get("/robots.txt");
    REQUIRE(robots.status == 200);
    CHECK(robots.headers.at("content-type") == "text/plain; charset=utf-8");
    CHECK(robots.body.find("Disallow: /es/curator\n") != std::string::npos);
    CHECK(robots.body.find("Sitemap: http://festival.test/sitemap.xml\n") != std::string::npos);
}

TEST_CASE("feeds: coming premieres of public films are feed entries and sitemap pages, no others") {
    feeds_fixture f;
    const auto public_film = f.add_film("premiered", true, -86400, 86400 * 90);
    const auto draft_film = f.add_film("draft-premiered", false, -86400, 86400 * 90);
    const auto premiere = [&](std::int64_t film, std::int64_t starts, const std::string& note) {
        auto insert = f.db().prepare(
            "INSERT INTO premieres (film_id, starts_at, duration_seconds, qa_minutes, note, created_at) "
            "VALUES (?1, ?2, 600, 30, ?3, ?2) RETURNING id");
        insert.bind(1, film).bind(2, format_utc(f.now + starts)).bind(3, note);
        return festival::catalog::inserted_id(insert);
    };
    const auto soon = premiere(public_film, 2 * 86400, "Avec la réalisatrice <b>");
    const auto later = premiere(public_film, 60 * 86400, "");
    const auto hidden = premiere(draft_film, 2 * 86400, "");
    const auto past = premiere(public_film, -2 * 86400, "");

    const auto fr = f.get("/fr/feed.atom");
    CHECK(fr.body.find("<id>tag:festival.test,2026:premiere-" + std::to_string(soon) + "</id>") != std::string::npos);
    CHECK(fr.body.find("<title>Avant-première : Réintégration premiered, le ") != std::string::npos);
    CHECK(fr.body.find("<summary>Avec la réalisatrice &lt;b&gt;</summary>") != std::string::npos);
    CHECK(fr.body.find("href=\"http://festival.test/fr/premieres/" + std::to_string(soon) + "\"") != std::string::npos);
    CHECK(fr.body.find("<category term=\"premiere\" label=\"Avant-première\"/>") != std::string::npos);
    for (const auto absent : {later, hidden, past})
        CHECK(fr.body.find("premiere-" + std::to_string(absent) + "<") == std::string::npos);
    CHECK(f.get("/en/feed.atom").body.find("<title>Premiere: Réintégration premiered, ") != std::string::npos);

    const auto sitemap = f.get("/sitemap.xml").body;
    for (const auto listed : {soon, later})
        CHECK(sitemap.find("<loc>http://festival.test/es/premieres/" + std::to_string(listed) + "</loc>") != std::string::npos);
    for (const auto absent : {hidden, past})
        CHECK(sitemap.find("/premieres/" + std::to_string(absent) + "<") == std::string::npos);
}
