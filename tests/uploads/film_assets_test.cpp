// Subtitles and posters sent by curators: checked, converted and stored beside the film.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "catalog/database.hpp"
#include "server/http/http_message.hpp"
#include "server/uploads/upload_repackage.hpp"
#include "server/uploads/upload_subtitles.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/media_version.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/uploads/tus_client.hpp"

using namespace festival::testing;
using festival::server::http_error;
using festival::server::is_utf8;
using festival::server::subtitles_to_webvtt;
namespace fs = std::filesystem;

TEST_CASE("SRT becomes WebVTT: header, dot decimals, cue numbers dropped, CRLF and BOM handled") {
    const auto vtt = subtitles_to_webvtt(
        "\xEF\xBB\xBF" "1\r\n00:00:01,000 --> 00:00:02,500\r\nBonjour\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\n"
        "Ça va ?\r\nOui --> non\r\n");
    CHECK(vtt.cues == 2);
    CHECK(vtt.text ==
          "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nBonjour\n\n00:00:03.000 --> 00:00:04.000\nÇa va ?\nOui --&gt; non\n\n");
}

TEST_CASE("WebVTT is kept, with identifiers, settings and notes") {
    const auto vtt = subtitles_to_webvtt("WEBVTT - festival\n\nNOTE checked\n\nintro\n00:01.000 --> 00:02.000 line:0\nHola\n");
    CHECK(vtt.cues == 1);
    CHECK(vtt.text == "WEBVTT - festival\n\nNOTE checked\n\nintro\n00:00:01.000 --> 00:00:02.000 line:0\nHola\n\n");
}

TEST_CASE("subtitles that are not UTF-8, empty or malformed are refused with a reason") {
    CHECK(is_utf8("plain, é, 漢字, 🎬"));
    CHECK_FALSE(is_utf8("caf\xE9"));          // Latin-1
    CHECK_FALSE(is_utf8("\xC0\xAF"));         // overlong
    CHECK_FALSE(is_utf8("\xED\xA0\x80"));     // surrogate
    CHECK_FALSE(is_utf8("\xF0\x9F\x8E"));     // truncated
    auto code_of = [](const std::string& text) {
        try {
            subtitles_to_webvtt(text);
        } catch (const http_error& e) {
            return e.code();
        }
        return std::string("accepted");
    };
    CHECK(code_of("1\n00:00:01,000 --> 00:00:02,000\ncaf\xE9\n") == "subtitles_not_utf8");
    CHECK(code_of("") == "subtitles_empty");
    CHECK(code_of("WEBVTT\n") == "subtitles_empty");
    CHECK(code_of("1\n00:00:01 --> later\nhello\n") == "subtitles_malformed");
}

namespace {

const std::string password = "curator password 2026";

struct assets_fixture {
    temp_dir dir;
    std::unique_ptr<festival_process> server;
    signed_in_client curator;

    assets_fixture() {
        add_user_with_cli(dir.path(), "c@festival.test", "curator", password);
        server = std::make_unique<festival_process>(dir.path().string());
        curator = sign_in(server->port(), "c@festival.test", password);
        REQUIRE(curator.call("POST", "/api/films",
                             nlohmann::json{{"slug", "voyage"}, {"original_title", "Voyage"}, {"category", "short"}}.dump())
                    .status == 201);
    }

    http_result put(const std::string& target, const std::string& body, const std::string& type) const {
        return http_call(server->port(), "PUT", target, body,
                         {{"Cookie", curator.cookie}, {"X-CSRF-Token", curator.csrf_token}, {"Content-Type", type}});
    }
};

}  // namespace

TEST_CASE("a curator's SRT file is stored as WebVTT beside the film and listed in its languages") {
    assets_fixture f;
    const auto stored = f.put("/api/films/voyage/subtitles/es", "1\n00:00:01,000 --> 00:00:02,000\nHola\n",
                              "application/x-subrip");
    REQUIRE(stored.status == 201);
    CHECK(stored.json()["cues"] == 1);
    CHECK(stored.json()["job_id"].is_null());  // no master yet: the first upload's job takes them
    CHECK(read_file((f.dir.path() / "sources/1/subtitles/es.vtt").string()) ==
          "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHola\n\n");
    CHECK(f.curator.call("GET", "/api/films/voyage").json()["subtitle_languages"] == nlohmann::json{"es"});

    CHECK(f.put("/api/films/voyage/subtitles/fr", "caf\xE9", "text/plain").status == 400);
    CHECK(f.put("/api/films/voyage/subtitles/french", "WEBVTT\n\n00:01.000 --> 00:02.000\nx\n", "text/vtt").status == 400);
    CHECK(!fs::exists(f.dir.path() / "sources/1/subtitles/fr.vtt"));
    CHECK(http_call(f.server->port(), "PUT", "/api/films/voyage/subtitles/fr", "WEBVTT\n\n00:01.000 --> 00:02.000\nx\n")
              .status == 401);

    CHECK(f.curator.call("DELETE", "/api/films/voyage/subtitles/es").status == 204);
    CHECK(!fs::exists(f.dir.path() / "sources/1/subtitles/es.vtt"));
    CHECK(f.curator.call("GET", "/api/films/voyage").json()["subtitle_languages"] == nlohmann::json::array());
}

TEST_CASE("a poster is accepted as JPEG or PNG by its bytes, within the size limit, and served") {
    assets_fixture f;
    std::string png = "\x89PNG\r\n\x1A\n" + pattern_bytes(200, 1);
    const auto stored = f.put("/api/films/voyage/poster", png, "image/png");
    REQUIRE(stored.status == 200);
    const auto poster = stored.json()["poster"].get<std::string>();
    CHECK(poster.starts_with("/api/films/1/poster?v="));
    // Unpublished: curators see it, visitors do not.
    const auto mine = http_call(f.server->port(), "GET", poster, "", {{"Cookie", f.curator.cookie}});
    CHECK(mine.status == 200);
    CHECK(mine.header("content-type") == "image/png");
    CHECK(mine.body == png);
    CHECK(http_call(f.server->port(), "GET", poster).status == 404);

    std::string jpeg = "\xFF\xD8\xFF\xE0" + pattern_bytes(300, 2);
    REQUIRE(f.put("/api/films/voyage/poster", jpeg, "image/jpeg").status == 200);
    CHECK(http_call(f.server->port(), "GET", "/api/films/voyage/poster", "", {{"Cookie", f.curator.cookie}}).body == jpeg);
    CHECK(!fs::exists(f.dir.path() / "sources/1/poster.png"));

    CHECK(f.put("/api/films/voyage/poster", "GIF89a" + pattern_bytes(300, 3), "image/gif").status == 415);
    CHECK(f.put("/api/films/voyage/poster", "<svg xmlns='http://www.w3.org/2000/svg'/>" + std::string(100, ' '),
                "image/jpeg").status == 415);
    // Over 5 MB: refused from the header alone, before any byte of the body is read.
    const auto too_big = raw_exchange(f.server->port(),
                                      "PUT /api/films/voyage/poster HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " +
                                          f.curator.cookie + "\r\nX-CSRF-Token: " + f.curator.csrf_token +
                                          "\r\nContent-Type: image/jpeg\r\nContent-Length: 6000000\r\n\r\n\xFF\xD8\xFF");
    CHECK(too_big.starts_with("HTTP/1.1 413"));
    CHECK(http_call(f.server->port(), "GET", "/api/films/voyage/poster", "", {{"Cookie", f.curator.cookie}}).body == jpeg);
}

TEST_CASE("subtitles for a film online are re-packaged into a new version without re-encoding") {
    assets_fixture f;
    // A published version as a transcoder leaves it (the bytes of the segments do not matter here),
    // made by job 1.
    const auto current = f.dir.path() / "media/1/v1";
    write_one_rendition_version(current,
                                {{"index.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n"
                                                "#EXTINF:4.000,\nseg0.m4s\n#EXTINF:2.500,\nseg1.m4s\n#EXT-X-ENDLIST\n"},
                                 {"init.mp4", pattern_bytes(500, 1)},
                                 {"seg0.m4s", pattern_bytes(5000, 2)},
                                 {"seg1.m4s", pattern_bytes(4000, 3)}});
    write_file(current / "poster.jpg", "\xFF\xD8\xFF" + pattern_bytes(100, 4));
    festival::catalog::database((f.dir.path() / "catalog.db").string())
        .exec("INSERT INTO jobs (film_id, source_path, status, progress) VALUES (1, '/sources/master.mov', 'done', 100);"
              "UPDATE films SET media_version = 1, published = 1");

    const auto stored = f.put("/api/films/voyage/subtitles/fr", "1\n00:00:01,000 --> 00:00:02,000\nBonjour\n", "text/plain");
    REQUIRE(stored.status == 201);
    CHECK(stored.json()["repackaged"] == true);
    const auto version = stored.json()["job_id"].get<std::int64_t>();
    const auto film = f.curator.call("GET", "/api/films/voyage").json();
    CHECK(film["media"]["version"] == version);
    const auto fresh = f.dir.path() / ("media/1/v" + std::to_string(version));
    const auto master = read_file((fresh / "master.m3u8").string());
    CHECK(master.find("LANGUAGE=\"fr\"") != std::string::npos);
    CHECK(master.find("SUBTITLES=\"subs\"\n360p/index.m3u8") != std::string::npos);
    CHECK(read_file((fresh / "subtitles/fr.vtt").string()) == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n\n");
    CHECK(read_file((fresh / "subtitles/fr.m3u8").string()).find("#EXTINF:6.500,\nfr.vtt") != std::string::npos);
    // The same segment files, linked rather than copied or re-encoded; the old version is untouched.
    CHECK(fs::equivalent(fresh / "360p/seg0.m4s", current / "360p/seg0.m4s"));
    CHECK(fs::equivalent(fresh / "poster.jpg", current / "poster.jpg"));
    CHECK(read_file((current / "master.m3u8").string()).find("SUBTITLES") == std::string::npos);
    const auto job = f.curator.call("GET", "/api/jobs/" + std::to_string(version)).json();
    CHECK(job["status"] == "done");
    // Viewers get the new version's subtitles.
    const auto vtt = http_call(f.server->port(), "GET", "/media/1/v" + std::to_string(version) + "/subtitles/fr.vtt");
    CHECK(vtt.status == 200);
    CHECK(vtt.body.find("Bonjour") != std::string::npos);

    // Removing them publishes a version without them.
    REQUIRE(f.curator.call("DELETE", "/api/films/voyage/subtitles/fr").status == 204);
    const auto after = f.curator.call("GET", "/api/films/voyage").json()["media"]["version"].get<std::int64_t>();
    CHECK(after > version);
    const auto without = read_file((f.dir.path() / ("media/1/v" + std::to_string(after)) / "master.m3u8").string());
    CHECK(without.find("SUBTITLES") == std::string::npos);
}
