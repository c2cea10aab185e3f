#include <doctest/doctest.h>

#include <algorithm>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/film_json.hpp"
#include "catalog/films.hpp"
#include "catalog/schema.hpp"

#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;
using nlohmann::json;

namespace {

film make(const std::string& slug, const std::string& category, json extra = json::object()) {
    json j = {{"slug", slug}, {"original_title", "Title " + slug}, {"category", category}, {"published", true}};
    j.merge_patch(extra);
    return film_from_json(j);
}

const std::int64_t now = parse_utc("2026-06-15T12:00:00Z").value();

}  // namespace

TEST_CASE("a film is stored with its texts in every language and found by id or slug") {
    auto db = festival::test::open_fresh_catalog();
    const auto created = create_film(
        db, make("la-traversee", "documentary",
                 {{"texts", {{"fr", {{"title", "La traversée"}, {"synopsis", "Un voyage."}}},
                             {"es", {{"title", "La travesía"}, {"synopsis", "Un viaje."}}}}},
                  {"directors", {"Ana Ruiz"}},
                  {"countries", {"FR", "ES"}}}));
    CHECK(created.id > 0);
    const auto by_slug = find_film_by_key(db, "la-traversee");
    REQUIRE(by_slug);
    CHECK(by_slug->id == created.id);
    CHECK(by_slug->texts.at("es").title == "La travesía");
    CHECK(by_slug->directors == std::vector<std::string>{"Ana Ruiz"});
    const auto by_id = find_film_by_key(db, std::to_string(created.id));
    REQUIRE(by_id);
    CHECK(by_id->slug == "la-traversee");
    CHECK_FALSE(find_film_by_key(db, "nothing-here"));
}

TEST_CASE("a taken slug is a conflict and the first film is untouched") {
    auto db = festival::test::open_fresh_catalog();
    create_film(db, make("same", "short"));
    try {
        create_film(db, make("same", "fiction"));
        FAIL("expected a conflict");
    } catch (const catalog_error& e) {
        CHECK(e.kind() == error_kind::conflict);
    }
    CHECK(find_film_by_slug(db, "same")->category == "short");
}

TEST_CASE("invalid film fields are refused with the field named") {
    CHECK_THROWS_WITH_AS(film_from_json({{"original_title", "X"}, {"category", "musical"}}),
                         doctest::Contains("category"), catalog_error);
    CHECK_THROWS_WITH_AS(film_from_json({{"category", "short"}}), doctest::Contains("original_title"), catalog_error);
    CHECK_THROWS_WITH_AS(film_from_json({{"original_title", "X"}, {"category", "short"}, {"countries", {"france"}}}),
                         doctest::Contains("countries"), catalog_error);
    CHECK_THROWS_WITH_AS(film_from_json({{"original_title", "X"},
                                         {"category", "short"},
                                         {"available_from", "2026-05-01"},
                                         {"available_until", "2026-04-01"}}),
                         doctest::Contains("available_until"), catalog_error);
    CHECK_THROWS_WITH_AS(film_from_json({{"original_title", "X"}, {"category", "short"}, {"year", "1999"}}),
                         doctest::Contains("year"), catalog_error);
}

TEST_CASE("a slug is made from an accented title when none is given") {
    const auto f = film_from_json({{"original_title", "Réintégration: à Dakar"}, {"category", "short"}});
    CHECK(f.slug == "reintegration-a-dakar");
}

TEST_CASE("search ignores accents and matches word prefixes") {
    auto db = festival::test::open_fresh_catalog();
    create_film(db, make("retour", "documentary",
                         {{"texts", {{"fr", {{"title", "Le retour"}, {"synopsis", "Une réintégration difficile."}}}}}}));
    create_film(db, make("autre", "fiction", {{"texts", {{"en", {{"title", "Elsewhere"}, {"synopsis", "Sea."}}}}}}));
    for (const char* typed : {"réintégration", "reintegration", "REINTEGRATION", "réintég", "reinteg"}) {
        CAPTURE(typed);
        film_query q;
        q.text = typed;
        const auto page = list_films(db, q, now);
        REQUIRE(page.total == 1);
        CHECK(page.items[0].slug == "retour");
    }
    film_query hostile;
    hostile.text = "\"unbalanced AND OR NEAR( *";  // FTS syntax in user text must not break the query
    CHECK_NOTHROW(list_films(db, hostile, now));
}

TEST_CASE("search finds films by director and theme") {
    auto db = festival::test::open_fresh_catalog();
    create_film(db, make("a", "short", {{"directors", {"Moussa Keïta"}}, {"themes", {"music"}}}));
    film_query by_director;
    by_director.text = "keita";
    CHECK(list_films(db, by_director, now).total == 1);
    film_query by_theme;
    by_theme.tag = "music";
    CHECK(list_films(db, by_theme, now).total == 1);
}

TEST_CASE("listing filters by category, country and language, and pages") {
    auto db = festival::test::open_fresh_catalog();
    for (int i = 0; i < 7; ++i)
        create_film(db, make("short-" + std::to_string(i), "short", {{"countries", {"SN"}}, {"spoken_languages", {"fr"}}}));
    create_film(db, make("doc", "documentary", {{"countries", {"MX"}}, {"subtitle_languages", {"es"}}}));
    create_film(db, make("hidden", "short", {{"published", false}}));

    film_query shorts;
    shorts.category = "short";
    shorts.limit = 3;
    auto first = list_films(db, shorts, now);
    CHECK(first.total == 7);  // the unpublished short is not counted
    CHECK(first.items.size() == 3);
    shorts.offset = 6;
    CHECK(list_films(db, shorts, now).items.size() == 1);

    film_query mexican;
    mexican.country = "MX";
    CHECK(list_films(db, mexican, now).total == 1);
    film_query spanish;
    spanish.language = "es";
    CHECK(list_films(db, spanish, now).items.at(0).slug == "doc");

    film_query everything;
    everything.published_only = false;
    everything.limit = 100;
    CHECK(list_films(db, everything, now).total == 9);
}

TEST_CASE("a film outside its screening window is upcoming or ended, not screening") {
    auto db = festival::test::open_fresh_catalog();
    create_film(db, make("open", "short"));
    create_film(db, make("soon", "short", {{"available_from", "2026-07-01"}}));
    create_film(db, make("over", "short", {{"available_until", "2026-06-01T00:00:00Z"}}));
    create_film(db, make("window", "short",
                         {{"available_from", "2026-06-01T00:00:00Z"}, {"available_until", "2026-07-01T00:00:00Z"}}));
    auto state_of = [&](const char* slug) { return screening_window_of(*find_film_by_slug(db, slug)).state_at(now); };
    CHECK(state_of("open") == screening_state::now);
    CHECK(state_of("soon") == screening_state::upcoming);
    CHECK(state_of("over") == screening_state::ended);
    CHECK(state_of("window") == screening_state::now);
    CHECK(screening_window_of(*find_film_by_slug(db, "window")).state_at(parse_utc("2026-07-01T00:00:00Z").value()) ==
          screening_state::ended);

    auto slugs = [&](screening_state s) {
        film_query q;
        q.screening = s;
        std::vector<std::string> out;
        for (const auto& f : list_films(db, q, now).items) out.push_back(f.slug);
        std::sort(out.begin(), out.end());
        return out;
    };
    CHECK(slugs(screening_state::now) == std::vector<std::string>{"open", "window"});
    CHECK(slugs(screening_state::upcoming) == std::vector<std::string>{"soon"});
    CHECK(slugs(screening_state::ended) == std::vector<std::string>{"over"});
}

TEST_CASE("a page of screening films keeps the catalog's order and each film's texts") {
    auto db = festival::test::open_fresh_catalog();
    for (int i = 0; i < 5; ++i)
        create_film(db, make("now-" + std::to_string(i), "short",
                             {{"available_from", "2026-06-0" + std::to_string(i + 1)},
                              {"texts", {{"fr", {{"title", "Titre " + std::to_string(i)}, {"synopsis", ""}}},
                                         {"en", {{"title", "Title " + std::to_string(i)}, {"synopsis", ""}}}}}}));
    create_film(db, make("later", "short", {{"available_from", "2026-06-20"}}));
    film_query q;
    q.screening = screening_state::now;
    q.limit = 2;
    q.offset = 2;
    const auto page = list_films(db, q, now);
    CHECK(page.total == 5);
    REQUIRE(page.items.size() == 2);
    CHECK(page.items[0].slug == "now-2");
    CHECK(page.items[1].slug == "now-3");
    CHECK(page.items[1].texts.at("fr").title == "Titre 3");
    CHECK(page.items[1].texts.at("en").title == "Title 3");
    q.offset = 5;
    CHECK(list_films(db, q, now).items.empty());
}

TEST_CASE("a merge patch changes only the fields it names and keeps search in step") {
    auto db = festival::test::open_fresh_catalog();
    const auto f = create_film(db, make("patch-me", "short",
                                        {{"texts", {{"fr", {{"title", "Avant"}}}, {"en", {{"title", "Before"}}}}}}));
    const auto patched = patch_film(f, {{"texts", {{"fr", {{"title", "Après"}}}, {"en", nullptr}}}, {"year", 2020}});
    const auto stored = update_film(db, patched);
    CHECK(stored.texts.at("fr").title == "Après");
    CHECK(stored.texts.count("en") == 0);
    CHECK(stored.year == 2020);
    CHECK(stored.category == "short");
    film_query q;
    q.text = "apres";
    CHECK(list_films(db, q, now).total == 1);
    q.text = "before";
    CHECK(list_films(db, q, now).total == 0);
}

TEST_CASE("deleting a film removes it and its search entry") {
    auto db = festival::test::open_fresh_catalog();
    const auto f = create_film(db, make("gone", "short"));
    delete_film(db, f.id);
    CHECK_FALSE(find_film(db, f.id));
    film_query q;
    q.text = "gone";
    CHECK(list_films(db, q, now).total == 0);
    CHECK_THROWS_AS(delete_film(db, f.id), catalog_error);
}

TEST_CASE("catalog calls inside an outer transaction are undone with it") {
    auto db = festival::test::open_fresh_catalog();
    {
        transaction outer(db);
        create_film(db, make("one", "short"));
        create_film(db, make("two", "short"));
        // no commit: leaving the scope rolls both back
    }
    CHECK(list_all_films(db).empty());
    {
        transaction outer(db);
        create_film(db, make("kept", "short"));
        outer.commit();
    }
    CHECK(list_all_films(db).size() == 1);
}

TEST_CASE("a deleted film's id is never handed out again, and its plays and audience go with it") {
    auto db = festival::test::open_fresh_catalog();
    create_film(db, make("first", "short"));
    const auto gone = create_film(db, make("gone", "short")).id;
    db.exec("INSERT INTO plays (id, film_id, viewer_hash, started_at, last_seen_at) VALUES ('p1', " +
            std::to_string(gone) + ", 'h', 1, 1)");
    db.exec("INSERT INTO stats_viewers (film_id, day, viewer_hash) VALUES (" + std::to_string(gone) + ", 1, 'h')");
    db.exec("INSERT INTO stats_film_day_country (film_id, day, country, plays) VALUES (" + std::to_string(gone) + ", 1, 'FR', 1)");
    db.exec("INSERT INTO stats_film_day_site (film_id, day, site, plays) VALUES (" + std::to_string(gone) +
            ", 1, 'https://partner.example', 1)");
    db.exec("INSERT INTO audience_sketch_registers (film_id, register_index, register_rank) VALUES (" +
            std::to_string(gone) + ", 7, 3), (0, 7, 3)");
    delete_film(db, gone);
    const auto next = create_film(db, make("next", "short")).id;
    CHECK(next > gone);
    auto count = [&](const std::string& table) {
        auto st = db.prepare("SELECT count(*) FROM " + table + " WHERE film_id = ?");
        st.bind(1, gone);
        st.step();
        return st.int64(0);
    };
    CHECK(count("plays") == 0);
    CHECK(count("stats_viewers") == 0);
    CHECK(count("stats_film_day_country") == 0);
    CHECK(count("stats_film_day_site") == 0);
    CHECK(count("audience_sketch_registers") == 0);
    // The festival's own sketch keeps the people who watched it: a sketch cannot take one film out.
    auto festival = db.prepare("SELECT count(*) FROM audience_sketch_registers WHERE film_id = 0");
    festival.step();
    CHECK(festival.int64(0) == 1);
}
