// Curators' audio tracks in the catalog: one per film, role and language; shown in the film JSON;
// the catalog's accessibility filter.
#include <doctest/doctest.h>

#include <algorithm>

#include "catalog/audio_tracks.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"
#include "catalog/film_json.hpp"
#include "catalog/films.hpp"
#include "catalog/schema.hpp"

#include "tests/support/test_catalog.hpp"

using namespace festival::catalog;
using nlohmann::json;

namespace {

film add_film(database& db, const std::string& slug, json extra = json::object()) {
    json j = {{"slug", slug}, {"original_title", "Title " + slug}, {"category", "documentary"}, {"published", true}};
    j.merge_patch(extra);
    return create_film(db, film_from_json(j));
}

audio_track track(std::int64_t film, const std::string& lang, const std::string& role, const std::string& path,
                  const std::string& name = "") {
    audio_track t;
    t.film_id = film;
    t.lang = lang;
    t.role = role;
    t.name = name;
    t.path = path;
    return t;
}

std::vector<std::string> slugs(database& db, access_feature access) {
    film_query q;
    q.access = access;
    std::vector<std::string> found;
    for (const auto& f : list_films(db, q, 0).items) found.push_back(f.slug);
    std::sort(found.begin(), found.end());
    return found;
}

}  // namespace

TEST_CASE("a film's audio tracks are stored by role and language, listed and shown in its JSON") {
    auto db = festival::test::open_fresh_catalog();
    const auto f = add_film(db, "voyage");
    CHECK(film_to_json(*find_film(db, f.id), 0)["audio"] == json::array());
    CHECK(film_to_json(*find_film(db, f.id), 0)["audio_description"] == false);
    const auto dub = store_audio_track(db, track(f.id, "es", "dub", "/data/sources/1/audio/dub-es.m4a", "Doblaje"));
    CHECK(!dub.replaced_path);
    store_audio_track(db, track(f.id, "fr", "description", "/data/sources/1/audio/description-fr.m4a"));
    const auto tracks = list_audio_tracks(db, f.id);
    REQUIRE(tracks.size() == 2);
    CHECK(tracks[0].role == "description");
    CHECK(tracks[1].name == "Doblaje");
    const auto shown = film_to_json(*find_film_by_key(db, "voyage"), 0);
    CHECK(shown["audio"] == json::parse(R"([{"language":"fr","role":"description","name":""},
                                             {"language":"es","role":"dub","name":"Doblaje"}])"));
    CHECK(shown["audio_description"] == true);
    CHECK(audio_track_to_json(tracks[0]).contains("path") == false);
    const auto sources = audio_track_sources(tracks);
    REQUIRE(sources.size() == 2);
    CHECK(sources[1].path == "/data/sources/1/audio/dub-es.m4a");
    CHECK(sources[1].id == dub.track.id);
}

TEST_CASE("a second track of the same role and language replaces the first and names the file it drops") {
    auto db = festival::test::open_fresh_catalog();
    const auto f = add_film(db, "voyage");
    const auto first = store_audio_track(db, track(f.id, "fr", "description", "/a.m4a"));
    const auto second = store_audio_track(db, track(f.id, "fr", "description", "/b.m4a", "AD"));
    CHECK(second.replaced_path == std::optional<std::string>("/a.m4a"));
    CHECK(second.track.id == first.track.id);
    const auto tracks = list_audio_tracks(db, f.id);
    REQUIRE(tracks.size() == 1);
    CHECK(tracks[0].path == "/b.m4a");
    CHECK(tracks[0].name == "AD");
}

TEST_CASE("a track's role and name are checked, and deleting names the film it belongs to") {
    auto db = festival::test::open_fresh_catalog();
    const auto f = add_film(db, "voyage");
    const auto other = add_film(db, "autre");
    CHECK_THROWS_AS(store_audio_track(db, track(f.id, "fr", "commentary", "/a.m4a")), catalog_error);
    CHECK_THROWS_AS(store_audio_track(db, track(f.id, "fr", "dub", "/a.m4a", std::string(101, 'x'))), catalog_error);
    CHECK_THROWS_AS(store_audio_track(db, track(f.id, "fr", "dub", "/a.m4a", "two\nlines")), catalog_error);
    CHECK_THROWS_AS(store_audio_track(db, track(f.id, "fr", "dub", "/a.m4a", "caf\xE9")), catalog_error);
    CHECK(list_audio_tracks(db, f.id).empty());
    const auto stored = store_audio_track(db, track(f.id, "fr", "dub", "/a.m4a"));
    CHECK_THROWS_AS(delete_audio_track(db, other.id, stored.track.id), catalog_error);
    CHECK(delete_audio_track(db, f.id, stored.track.id).path == "/a.m4a");
    CHECK(list_audio_tracks(db, f.id).empty());
    CHECK(!find_audio_track(db, stored.track.id));
}

TEST_CASE("deleting a film deletes its audio tracks") {
    auto db = festival::test::open_fresh_catalog();
    const auto f = add_film(db, "voyage");
    const auto stored = store_audio_track(db, track(f.id, "fr", "dub", "/a.m4a"));
    delete_film(db, f.id);
    CHECK(!find_audio_track(db, stored.track.id));
}

TEST_CASE("the access filter returns exactly the films with audio description, with subtitles, with both") {
    auto db = festival::test::open_fresh_catalog();
    const auto described = add_film(db, "described");
    const auto subtitled = add_film(db, "subtitled", {{"subtitle_languages", {"en"}}});
    const auto both = add_film(db, "both", {{"subtitle_languages", {"fr", "es"}}});
    const auto dubbed = add_film(db, "dubbed");  // a dub is not an audio description
    add_film(db, "plain");
    store_audio_track(db, track(described.id, "fr", "description", "/d.m4a"));
    store_audio_track(db, track(both.id, "fr", "description", "/b.m4a"));
    store_audio_track(db, track(dubbed.id, "es", "dub", "/s.m4a"));
    CHECK(slugs(db, access_feature::audio_description) == std::vector<std::string>{"both", "described"});
    CHECK(slugs(db, access_feature::subtitles) == std::vector<std::string>{"both", "subtitled"});
    CHECK(slugs(db, access_feature::both) == std::vector<std::string>{"both"});
    film_query all;
    CHECK(list_films(db, all, 0).total == 5);
    // The page read gives each film its tracks, as find_film does.
    film_query described_only;
    described_only.access = access_feature::audio_description;
    for (const auto& f : list_films(db, described_only, 0).items) CHECK(film_to_json(f, 0)["audio_description"] == true);
    (void)subtitled;
}
