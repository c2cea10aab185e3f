// The films and festival handlers through the real route table and dispatcher, in process.
#include <doctest/doctest.h>

#include "tests/support/film_body.hpp"
#include "tests/support/in_process_checks.hpp"

using namespace festival::testing;
using festival::catalog::role;
using nlohmann::json;

TEST_CASE("anonymous visitors cannot create films or see unpublished ones") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    REQUIRE(f.call_as(curator, "POST", "/api/films", film_body("draft", false).dump()).status == 201);
    REQUIRE(f.call_as(curator, "POST", "/api/films", film_body("public").dump()).status == 201);

    check_error_shape(f.call("POST", "/api/films", film_body("sneaky").dump()), 401);
    check_error_shape(f.call("GET", "/api/films/draft"), 404);
    const auto listing = json_of(f.call("GET", "/api/films"));
    CHECK(listing["total"] == 1);
    CHECK(listing["items"][0]["slug"] == "public");
    check_error_shape(f.call("GET", "/api/films?screening=unpublished"), 401);

    // A signed-in curator sees the draft.
    CHECK(f.call_as(curator, "GET", "/api/films/draft").status == 200);
    CHECK(json_of(f.call_as(curator, "GET", "/api/films?include=unpublished"))["total"] == 2);
}

TEST_CASE("a write without the CSRF token is refused and stores nothing") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    const auto refused = f.call("POST", "/api/films", film_body("no-token").dump(), {{"Cookie", curator.cookie}});
    check_error_shape(refused, 403);
    CHECK(error_code(refused) == "csrf_token_invalid");
    auto wrong = curator;
    wrong.who.csrf_token = std::string(64, 'a');
    check_error_shape(f.call_as(wrong, "POST", "/api/films", film_body("bad-token").dump()), 403);
    CHECK(f.call_as(curator, "GET", "/api/films/no-token").status == 404);
    CHECK(f.call_as(curator, "POST", "/api/films", film_body("with-token").dump()).status == 201);
}

TEST_CASE("invalid fields and a body that is not JSON are refused clearly") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    const auto malformed = f.call_as(curator, "POST", "/api/films", "{\"original_title\": ");
    check_error_shape(malformed, 400);
    CHECK(error_code(malformed) == "malformed_json");
    // A number no double holds is refused like bad syntax (json_body_fuzz found a 500 here).
    const auto overflowing = f.call_as(curator, "POST", "/api/films", "{\"original_title\": \"X\", \"year\": 2e2222}");
    check_error_shape(overflowing, 400);
    CHECK(error_code(overflowing) == "malformed_json");
    check_error_shape(f.call("POST", "/api/plays/1/heartbeat", "{\"position\": 2e2222}"), 400);

    auto invalid = film_body("bad");
    invalid["category"] = "opera";
    const auto refused = f.call_as(curator, "POST", "/api/films", invalid.dump());
    check_error_shape(refused, 400);
    CHECK(json_of(refused)["error"]["message"].get<std::string>().find("category") != std::string::npos);
    check_error_shape(
        f.call_as(curator, "POST", "/api/films", "a=b", {{"Content-Type", "application/x-www-form-urlencoded"}}), 415);
    CHECK(f.call_as(curator, "GET", "/api/films/bad").status == 404);
}

TEST_CASE("curators edit their films, only organizers delete films and change the festival") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    const auto created = f.call_as(curator, "POST", "/api/films", film_body("edit-me").dump());
    REQUIRE(created.status == 201);
    CHECK(created.header("location") == "/api/films/" + std::to_string(json_of(created)["id"].get<int>()));

    const auto patched = f.call_as(curator, "PATCH", "/api/films/edit-me", json{{"year", 2021}, {"category", "fiction"}}.dump());
    REQUIRE(patched.status == 200);
    CHECK(json_of(patched)["year"] == 2021);
    CHECK(json_of(patched)["category"] == "fiction");
    CHECK(json_of(patched)["texts"]["fr"]["title"] == "Réintégration edit-me");

    check_error_shape(f.call_as(curator, "POST", "/api/films", film_body("edit-me").dump()), 409);

    const json festival_body = {{"name", "Migrations 2026"}, {"starts_on", "2026-01-01"}, {"ends_on", "2026-05-31"},
                                {"texts", {{"fr", {{"welcome", "Bienvenue"}, {"closing", "Merci"}}}}}};
    check_error_shape(f.call_as(curator, "PUT", "/api/festival", festival_body.dump()), 403);
    const auto organizer = f.add_staff("organizer@festival.test", role::organizer);
    REQUIRE(f.call_as(organizer, "PUT", "/api/festival", festival_body.dump()).status == 200);
    const auto festival = json_of(f.call("GET", "/api/festival"));
    CHECK(festival["name"] == "Migrations 2026");
    CHECK(festival["texts"]["fr"]["closing"] == "Merci");

    // Deleting a film is an organizer's act.
    check_error_shape(f.call_as(curator, "DELETE", "/api/films/edit-me"), 403);
    CHECK(f.call_as(organizer, "DELETE", "/api/films/edit-me").status == 204);
    check_error_shape(f.call_as(organizer, "DELETE", "/api/films/edit-me"), 404);
}

TEST_CASE("the films API filters, searches without accents and pages") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    for (int i = 0; i < 5; ++i)
        REQUIRE(f.call_as(curator, "POST", "/api/films", film_body("s" + std::to_string(i)).dump()).status == 201);
    auto doc = film_body("doc");
    doc["category"] = "documentary";
    doc["countries"] = {"SN"};
    doc["texts"]["es"] = {{"title", "El regreso"}, {"synopsis", "Reintegración en Dakar."}};
    REQUIRE(f.call_as(curator, "POST", "/api/films", doc.dump()).status == 201);

    CHECK(json_of(f.call("GET", "/api/films?category=documentary"))["total"] == 1);
    CHECK(json_of(f.call("GET", "/api/films?country=SN"))["items"][0]["slug"] == "doc");
    const auto page = json_of(f.call("GET", "/api/films?category=short&per_page=2&page=3"));
    CHECK(page["total"] == 5);
    CHECK(page["items"].size() == 1);
    CHECK(json_of(f.call("GET", "/api/films?q=reintegracion"))["total"] == 1);
    CHECK(json_of(f.call("GET", "/api/films?q=r%C3%A9int%C3%A9gration"))["total"] == 6);
    check_error_shape(f.call("GET", "/api/films?per_page=1000"), 400);
    check_error_shape(f.call("GET", "/api/films?screening=soon"), 400);
}
