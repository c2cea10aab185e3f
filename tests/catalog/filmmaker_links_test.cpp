// Filmmakers' report links in the catalog: a token shown once and kept only as its hash, found while
// active, gone once revoked; the language and label rules; the list never holds a token.
#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <string>

#include "catalog/accounts.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/filmmaker_links.hpp"
#include "catalog/films.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

namespace {

std::int64_t add_film(database& db, const std::string& slug) {
    film draft;
    draft.slug = slug;
    draft.original_title = "Titre " + slug;
    draft.category = "short";
    return create_film(db, draft).id;
}

std::string error_code(const std::function<void()>& call) {
    try {
        call();
    } catch (const catalog_error& e) {
        return e.code();
    }
    return "";
}

}  // namespace

TEST_CASE("a report link: made with a token shown once, found by it, listed without it, revoked for good") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "la-frontera");
    const auto other = add_film(db, "autre");
    const auto organizer = create_user(db, "org@festival.test", "Org", role::organizer, "correct horse battery").id;

    const auto made = create_filmmaker_link(db, film, "es", "Para la directora", organizer);
    CHECK(made.token.size() == 64);
    CHECK(made.token.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(made.link.id > 0);
    CHECK(made.link.language == "es");
    CHECK(made.link.label == "Para la directora");
    CHECK(made.link.created_by == organizer);
    CHECK_FALSE(made.link.revoked_at);

    // Only the token's hash is stored: no column of the row holds the token itself.
    auto stored = db.prepare("SELECT token_hash FROM filmmaker_links WHERE id = ?1");
    stored.bind(1, made.link.id);
    REQUIRE(stored.step());
    CHECK(stored.text(0) == token_hash(made.token));
    CHECK(stored.text(0) != made.token);

    const auto found = find_filmmaker_link_by_token(db, made.token);
    REQUIRE(found);
    CHECK(found->id == made.link.id);
    CHECK(found->film_id == film);
    CHECK_FALSE(find_filmmaker_link_by_token(db, made.token.substr(0, 63) + (made.token.back() == '0' ? "1" : "0")));
    CHECK_FALSE(find_filmmaker_link_by_token(db, ""));
    CHECK_FALSE(find_filmmaker_link_by_token(db, token_hash(made.token)));  // the hash opens nothing

    // Each link has its own token; the list is per film, oldest first, and its JSON has no token.
    const auto second = create_filmmaker_link(db, film, "fr", "", std::nullopt);
    CHECK(second.token != made.token);
    create_filmmaker_link(db, other, "en", "", organizer);
    const auto links = list_filmmaker_links(db, film);
    REQUIRE(links.size() == 2);
    CHECK(links[0].id == made.link.id);
    CHECK(links[1].id == second.link.id);
    CHECK_FALSE(links[1].created_by);
    for (const auto& link : links) {
        const auto text = filmmaker_link_to_json(link).dump();
        CHECK(text.find(made.token) == std::string::npos);
        CHECK(text.find(second.token) == std::string::npos);
        CHECK(text.find(token_hash(made.token)) == std::string::npos);
    }
    CHECK(filmmaker_link_to_json(links[0])["active"] == true);

    // Revoked: the token opens nothing any more; a second revocation keeps the first time.
    CHECK(revoke_filmmaker_link(db, made.link.id));
    CHECK_FALSE(find_filmmaker_link_by_token(db, made.token));
    const auto revoked_at = find_filmmaker_link(db, made.link.id)->revoked_at;
    REQUIRE(revoked_at);
    CHECK_FALSE(revoke_filmmaker_link(db, made.link.id));
    CHECK(find_filmmaker_link(db, made.link.id)->revoked_at == revoked_at);
    CHECK(filmmaker_link_to_json(*find_filmmaker_link(db, made.link.id))["active"] == false);
    CHECK(find_filmmaker_link_by_token(db, second.token));  // the film's other link still works
    CHECK(error_code([&] { revoke_filmmaker_link(db, 999999); }) == "report_link_not_found");

    // Deleting the film takes its links with it.
    db.prepare("DELETE FROM films WHERE id = ?1").bind(1, film).run();
    CHECK(list_filmmaker_links(db, film).empty());
    CHECK_FALSE(find_filmmaker_link_by_token(db, second.token));
}

TEST_CASE("a report link's language is fr, en or es and its label at most 200 characters of text") {
    auto db = festival::test::open_fresh_catalog();
    const auto film = add_film(db, "seance");
    for (const char* language : {"", "de", "FR", "fr-FR", "english"})
        CHECK(error_code([&] { create_filmmaker_link(db, film, language, "", std::nullopt); }) == "invalid_language");
    CHECK(error_code([&] { create_filmmaker_link(db, film, "fr", std::string(201, 'a'), std::nullopt); }) == "too_long");
    CHECK(error_code([&] { create_filmmaker_link(db, film, "fr", "bell\x07", std::nullopt); }) == "invalid_text");
    CHECK(error_code([&] { create_filmmaker_link(db, film, "fr", "\xff\xfe", std::nullopt); }) == "invalid_utf8");
    CHECK(list_filmmaker_links(db, film).empty());  // nothing stored by a refusal
    // 200 characters, counted as characters, not bytes.
    std::string accented;
    for (int i = 0; i < 200; ++i) accented += "é";
    CHECK(create_filmmaker_link(db, film, "fr", accented, std::nullopt).link.label == accented);
    std::set<std::string> languages;
    for (const char* language : {"fr", "en", "es"}) languages.insert(create_filmmaker_link(db, film, language, "", std::nullopt).link.language);
    CHECK(languages.size() == 3);
}
