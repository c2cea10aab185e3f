// Which sites may embed a film: origins normalised and checked, saved per film, and asked by the
// embed page (frame-ancestors) and by the play start (the embedding site kept only when allowed).
#include <doctest/doctest.h>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/film_embeds.hpp"
#include "catalog/film_json.hpp"
#include "catalog/films.hpp"

#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;

namespace {

film add_film(database& db, const std::string& slug) {
    return create_film(db, film_from_json({{"slug", slug}, {"original_title", "Title " + slug},
                                           {"category", "documentary"}, {"published", true}}));
}

// The code and message of the error normalising `text` throws ("" when it does not throw).
std::pair<std::string, std::string> refusal_of(const std::string& text) {
    try {
        normalise_site(text);
    } catch (const catalog_error& e) {
        return {e.code(), e.what()};
    }
    return {"", ""};
}

}  // namespace

TEST_CASE("a site is normalised to its origin: lower-case scheme and host, default port and final slash dropped") {
    CHECK(normalise_site("https://partner.example") == "https://partner.example");
    CHECK(normalise_site("HTTPS://Partner.Example:443/") == "https://partner.example");
    CHECK(normalise_site("http://Partner.example:80") == "http://partner.example");
    CHECK(normalise_site("https://partner.example:80") == "https://partner.example:80");
    CHECK(normalise_site("http://127.0.0.2:41234") == "http://127.0.0.2:41234");
    CHECK(normalise_site("  http://127.0.0.2:41234/ \n") == "http://127.0.0.2:41234");
    CHECK(normalise_site("http://[::1]:8080") == "http://[::1]:8080");
    CHECK(normalise_site("https://xn--cin-dma.example") == "https://xn--cin-dma.example");
}

TEST_CASE("anything that is not an http(s) origin is refused, naming the entry") {
    for (const std::string bad :
         {"", "partner.example", "ftp://partner.example", "javascript://x", "https://", "https://partner.example/page",
          "https://partner.example/?a=1", "https://partner.example#top", "https://user:pw@partner.example",
          "https://*.partner.example", "https://partner.example:0", "https://partner.example:65536",
          "https://partner.example:8o", "https://partner example", "https://partner.example;script-src *",
          "https://partner.example,https://evil.example", "https://ciné.example", "https://-bad.example",
          "https://a..example", "https://[zz::1]", "'self'", "null"}) {
        CAPTURE(bad);
        const auto refusal = refusal_of(bad);
        CHECK(refusal.first == "invalid_site");
        CHECK(refusal.second.find("\"" + bad.substr(0, 20)) != std::string::npos);
    }
}

TEST_CASE("a film is not embeddable until a curator opts in, and its sites are saved normalised, without duplicates") {
    auto db = festival::test::open_fresh_catalog();
    const auto f = add_film(db, "voyage");
    const auto never = find_film_embed(db, f.id);
    CHECK(never.film_id == f.id);
    CHECK_FALSE(never.enabled);
    CHECK(never.sites.empty());
    CHECK(never.updated_at.empty());
    CHECK_FALSE(never.allows("https://partner.example"));

    const auto saved = save_film_embed(db, f.id, true,
                                       {"https://Partner.example/", "http://127.0.0.2:41234", "https://partner.example:443"});
    CHECK(saved.sites == std::vector<std::string>{"https://partner.example", "http://127.0.0.2:41234"});
    const auto found = find_film_embed(db, f.id);
    CHECK(found.enabled);
    CHECK(found.sites == saved.sites);
    CHECK(found.updated_at == saved.updated_at);
    CHECK(parse_utc(found.updated_at).has_value());

    CHECK(found.allows("https://partner.example"));
    CHECK(found.allows("HTTPS://PARTNER.EXAMPLE:443"));
    CHECK(found.allows("http://127.0.0.2:41234"));
    CHECK_FALSE(found.allows("http://127.0.0.3:41234"));
    CHECK_FALSE(found.allows("http://127.0.0.2:41235"));
    CHECK_FALSE(found.allows("http://partner.example"));
    CHECK_FALSE(found.allows("null"));
    CHECK_FALSE(found.allows(""));

    // Another film's settings are its own.
    const auto other = add_film(db, "autre");
    CHECK_FALSE(find_film_embed(db, other.id).allows("https://partner.example"));

    // Opting out keeps the list for later but allows no site.
    save_film_embed(db, f.id, false, found.sites);
    const auto off = find_film_embed(db, f.id);
    CHECK_FALSE(off.enabled);
    CHECK(off.sites.size() == 2);
    CHECK_FALSE(off.allows("https://partner.example"));
}

TEST_CASE("a bad site or more than 20 sites leave the saved settings as they were") {
    auto db = festival::test::open_fresh_catalog();
    const auto f = add_film(db, "voyage");
    save_film_embed(db, f.id, true, {"https://partner.example"});
    CHECK_THROWS_WITH_AS(save_film_embed(db, f.id, true, {"https://ok.example", "https://bad.example/page"}),
                         doctest::Contains("https://bad.example/page"), catalog_error);

    std::vector<std::string> many;
    for (int i = 0; i < 21; ++i) many.push_back("https://site" + std::to_string(i) + ".example");
    try {
        save_film_embed(db, f.id, true, many);
        FAIL("21 sites were accepted");
    } catch (const catalog_error& e) {
        CHECK(e.code() == "too_many_sites");
    }
    many.pop_back();
    many.push_back("https://SITE0.example/");  // a duplicate does not count twice
    CHECK(save_film_embed(db, f.id, true, many).sites.size() == 20);

    save_film_embed(db, f.id, true, {"https://partner.example"});
    CHECK(find_film_embed(db, f.id).sites == std::vector<std::string>{"https://partner.example"});
}

TEST_CASE("a deleted film takes its embed settings with it") {
    auto db = festival::test::open_fresh_catalog();
    const auto f = add_film(db, "voyage");
    save_film_embed(db, f.id, true, {"https://partner.example"});
    delete_film(db, f.id);
    auto st = db.prepare("SELECT COUNT(*) AS n FROM film_embeds");
    REQUIRE(st.step());
    CHECK(st.int64("n") == 0);
}
