// Signed, expiring media URLs: the token as nginx's secure_link computes it, its secret file, and
// /media and the heartbeat answer through the real route table and dispatcher, in process.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "catalog/clock.hpp"
#include "server/api/media_token.hpp"
#include "server/api/media_urls.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/in_process_checks.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;
using festival::catalog::role;
using festival::server::media_token_signer;
using festival::server::media_token_verdict;

namespace {

const std::string secret = "0123456789abcdef-secret";

// A published film screening now whose version `version` has a master playlist and a segment.
int film_with_media(in_process_festival& f, const in_process_session& curator, const std::string& slug,
                    std::int64_t version = 1) {
    const int id = json_of(f.call_as(curator, "POST", "/api/films", film_body(slug).dump()))["id"];
    const auto folder = std::filesystem::path(f.data_dir()) / "media" / std::to_string(id) / ("v" + std::to_string(version));
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "master.m3u8") << "#EXTM3U\n";
    std::ofstream(folder / "seg.m4s") << std::string(100, 's');
    f.db().exec("UPDATE films SET media_version = " + std::to_string(version) + " WHERE id = " + std::to_string(id));
    f.app().refresh_availability();
    return id;
}

std::string without_file(const std::string& url) { return url.substr(0, url.rfind('/') + 1); }

}  // namespace

TEST_CASE("a media token is what nginx's secure_link_md5 \"$expires/media/$film/v$version $secret\" expects") {
    const media_token_signer signer(secret, 30);
    // The signatures below were made with `openssl md5 -binary | base64 | tr +/ -_ | tr -d =`.
    CHECK(signer.issue(3, 7, 100) == "150-bQxVOSqTbHS_boKy4klYkQ");
    CHECK(signer.issue(42, 3, 1'800'000'000) == "1800000060-ZeAQ-UfhLZcyIQwTsDm67w");
}

TEST_CASE("every viewer of a time slice gets the same token, which lives between S and 2S seconds") {
    const media_token_signer signer(secret, 30);
    CHECK(signer.issue(3, 7, 90) == signer.issue(3, 7, 119));
    CHECK(signer.issue(3, 7, 119) != signer.issue(3, 7, 120));
    for (const std::int64_t now : {90, 100, 119}) {
        CAPTURE(now);
        CHECK(signer.expires_at(now) == 150);
        CHECK(signer.expires_at(now) - now >= 30);
        CHECK(signer.expires_at(now) - now <= 60);
        CHECK(signer.check(3, 7, signer.issue(3, 7, now), 150) == media_token_verdict::valid);
        CHECK(signer.check(3, 7, signer.issue(3, 7, now), 151) == media_token_verdict::expired);
    }
}

TEST_CASE("a token opens only its film and version, and a forged or malformed one is invalid") {
    const media_token_signer signer(secret, 30);
    const auto token = signer.issue(3, 7, 100);
    CHECK(signer.check(3, 7, token, 100) == media_token_verdict::valid);
    CHECK(signer.check(3, 8, token, 100) == media_token_verdict::invalid);
    CHECK(signer.check(4, 7, token, 100) == media_token_verdict::invalid);
    CHECK(media_token_signer("another-secret-of-16", 30).check(3, 7, token, 100) == media_token_verdict::invalid);
    // A later expiry with the old signature: invalid, not expired, however far in the future.
    CHECK(signer.check(3, 7, "99999999999" + token.substr(token.find('-')), 100) == media_token_verdict::invalid);
    // An expired forgery is invalid too: the signature is checked first.
    CHECK(signer.check(3, 7, "10-bQxVOSqTbHS_boKy4klYkQ", 100) == media_token_verdict::invalid);
    auto flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    CHECK(signer.check(3, 7, flipped, 100) == media_token_verdict::invalid);
    for (const char* bad : {"", "-", "150", "150-", "-bQxVOSqTbHS_boKy4klYkQ", "x150-bQxVOSqTbHS_boKy4klYkQ",
                            "150-bQxVOSqTbHS_boKy4klYkQQ", "150-bQxVOSqTbHS_boKy4klYk", "-150-bQxVOSqTbHS_boKy4klYk"}) {
        CAPTURE(bad);
        CHECK(signer.check(3, 7, bad, 100) == media_token_verdict::invalid);
    }
    CHECK_THROWS_AS(media_token_signer("short", 30), std::invalid_argument);
    CHECK_THROWS_AS(media_token_signer("has a space in it!", 30), std::invalid_argument);
    CHECK_THROWS_AS(media_token_signer(secret, 0), std::invalid_argument);
}

TEST_CASE("the media secret is made once, private to the festival's user, and a bad file is refused by name") {
    temp_dir dir;
    const auto path = dir.path() / "media-token.secret";
    const auto made = festival::server::load_or_create_media_secret(path);
    CHECK(made.size() == 43);  // 32 random bytes, base64url without padding
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    CHECK(festival::server::load_or_create_media_secret(path) == made);
    CHECK(festival::server::load_or_create_media_secret(dir.path() / "other.secret") != made);

    const auto given = dir.path() / "given.secret";
    std::ofstream(given) << "a-secret-the-organizer-chose\n";
    CHECK(festival::server::load_or_create_media_secret(given) == "a-secret-the-organizer-chose");
    const auto bad = dir.path() / "bad.secret";
    std::ofstream(bad) << "too short\n";
    try {
        festival::server::load_or_create_media_secret(bad);
        FAIL("accepted");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("bad.secret") != std::string::npos);
    }
}

TEST_CASE("media: the film JSON's tokened URLs are served, and without a token, forged or expired, a clear 403") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    const int id = film_with_media(f, curator, "open");
    const auto film = json_of(f.call("GET", "/api/films/open"));
    const std::string master = film["media"]["master"];
    const std::string token = film["media"]["token"];
    CHECK(master == "/media/" + std::to_string(id) + "/v1/" + token + "/master.m3u8");
    CHECK(film["media"]["token_expires"].get<std::int64_t>() - festival::catalog::unix_now() >= 30);
    CHECK(film["media"]["poster"] == without_file(master) + "poster.jpg");
    CHECK(f.call("GET", master).status == 200);
    const auto segment = as_http_result(f.call("GET", without_file(master) + "seg.m4s"));
    CHECK(segment.status == 200);
    CHECK(segment.body == std::string(100, 's'));

    const auto refused = [&](const std::string& target, const std::string& code) {
        CAPTURE(target);
        const auto answer = f.call("GET", target);
        check_error_shape(answer, 403);
        CHECK(error_code(answer) == code);
        CHECK(answer.header("cache-control") == "no-store");  // a cache never keeps a refusal
    };
    const auto film_path = "/media/" + std::to_string(id) + "/v1/";
    refused(film_path + "master.m3u8", "media_token_invalid");
    refused(film_path + "seg.m4s", "media_token_invalid");
    auto forged = token;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    refused(film_path + forged + "/seg.m4s", "media_token_invalid");
    refused("/media/" + std::to_string(id) + "/v2/" + token + "/seg.m4s", "media_token_invalid");
    const auto old = f.app().media_tokens.issue(id, 1, festival::catalog::unix_now() - 3600);
    refused(film_path + old + "/seg.m4s", "media_token_expired");
    // Staff previews stay tokenless and private.
    const auto preview = as_http_result(f.call_as(curator, "GET", film["media"]["preview"].get<std::string>()));
    CHECK(preview.status == 200);
    CHECK(preview.header("cache-control").find("private") == 0);
}

TEST_CASE("media: no token is issued for a film that is not screening, and a valid one does not open it") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    const int id = film_with_media(f, curator, "closing");
    const std::string master = json_of(f.call("GET", "/api/films/closing"))["media"]["master"];
    REQUIRE(f.call("GET", master).status == 200);
    REQUIRE(f.call_as(curator, "PATCH", "/api/films/closing", R"({"available_until": "2020-01-01"})").status == 200);

    const auto film = json_of(f.call("GET", "/api/films/closing"));
    CHECK(film["screening"] == "ended");
    CHECK(film["media"]["version"] == 1);
    CHECK_FALSE(film["media"].contains("master"));
    CHECK_FALSE(film["media"].contains("token"));
    const auto listed = json_of(f.call("GET", "/api/films?screening=ended"));
    REQUIRE(listed["items"].size() == 1);
    CHECK_FALSE(listed["items"][0]["media"].contains("token"));
    // The token it was given still verifies, but the origin checks the window too.
    const auto answer = f.call("GET", master);
    check_error_shape(answer, 403);
    CHECK(error_code(answer) == "not_screening");
    CHECK(answer.header("cache-control") == "no-store");
    CHECK(id > 0);
}

TEST_CASE("a heartbeat answers with the film's current media token, and says when the film stopped screening") {
    in_process_festival f;
    const auto curator = f.add_staff("curator@festival.test", role::curator);
    const int id = film_with_media(f, curator, "beats");
    const auto play = json_of(f.call("POST", "/api/films/beats/plays", "{}"));
    const std::string heartbeat = "/api/plays/" + play["play_id"].get<std::string>() + "/heartbeat";
    const auto beat = f.call("POST", heartbeat, R"({"position": 5, "played": 5})");
    REQUIRE(beat.status == 200);
    CHECK(beat.header("cache-control") == "no-store");
    const auto answer = json_of(beat);
    CHECK(answer["screening"] == true);
    CHECK(answer["token_expires"].get<std::int64_t>() > festival::catalog::unix_now());
    REQUIRE(answer["media_tokens"].contains("1"));
    const std::string token = answer["media_tokens"]["1"];
    CHECK(answer["media_tokens"].size() == 1);
    CHECK(f.call("GET", "/media/" + std::to_string(id) + "/v1/" + token + "/seg.m4s").status == 200);
    // The final beacon has nothing to carry.
    REQUIRE(f.call_as(curator, "PATCH", "/api/films/beats", R"({"available_until": "2020-01-01"})").status == 200);
    CHECK(json_of(f.call("POST", heartbeat, R"({"position": 10, "played": 5})")) == nlohmann::json{{"screening", false}});
    CHECK(f.call("POST", "/api/plays/" + play["play_id"].get<std::string>() + "/end", R"({"position": 11, "played": 1})").status == 204);
}
