// Subtitles and posters sent by curators: checked, converted and stored beside the film.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "catalog/database.hpp"
#include "server/http/http_message.hpp"
#include "server/uploads/upload_repackage.hpp"
#include "server/uploads/upload_subtitles.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/media_version.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/uploads/tus_client.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
using festival::server::http_error;
using festival::server::subtitles_to_webvtt;
using namespace std::string_literals;
namespace fs = std::filesystem;

TEST_CASE("SRT becomes WebVTT: header, dot decimals, cue numbers dropped, CRLF and BOM handled") {
    const auto vtt = subtitles_to_webvtt(
        "\xEF\xBB\xBF" "1\r\n00:00:01,000 --> 00:00:02,500\r\nBonjour\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\n"
        "Ça va ?\r\nOui --> non\r\n");
    CHECK(vtt.cues == 2);
    CHECK(vtt.text ==
          "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nBonjour\n\n00:00:03.000 --> 00:00:04.000\nÇa va ?\nOui --&gt; non\n\n");
}

TEST_CASE("WebVTT keeps its identifiers and settings, notes and the header's text go as in transcoded tracks") {
    const auto vtt = subtitles_to_webvtt("WEBVTT - festival\n\nNOTE checked\n\nintro\n00:01.000 --> 00:02.000 line:0\nHola\n");
    CHECK(vtt.cues == 1);
    CHECK(vtt.text == "WEBVTT\n\nintro\n00:00:01.000 --> 00:00:02.000 line:0\nHola\n\n");
}

TEST_CASE("subtitles that are not UTF-8, empty or malformed are refused with a reason") {
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
    CHECK(code_of("1\n00:00:01,000 --> 00:00:02,000\nnul\0byte\n"s) == "subtitles_not_text");
}

TEST_CASE("the language of a subtitle request is its ISO 639-1 code where one exists") {
    using festival::server::language_code;
    CHECK(language_code("fre") == "fr");
    CHECK(language_code("fra") == "fr");
    CHECK(language_code("FR") == "fr");
    CHECK(language_code("fr") == "fr");
    CHECK(language_code("wol") == "wo");
    CHECK(language_code("spa") == "es");
    CHECK(language_code("tzm") == "tzm");  // no two-letter code: kept
    for (const std::string bad : {"french", "f", "", "fr-FR", "../x", "f1"}) {
        INFO(bad);
        CHECK_THROWS_AS(language_code(bad), http_error);
    }
}

namespace {

const std::string password = "curator password 2026";

struct assets_fixture {
    temp_dir dir;
    std::unique_ptr<festival_process> server;
    signed_in_client curator;

    explicit assets_fixture(const std::vector<std::string>& flags = {}) {
        add_user_with_cli(dir.path(), "c@festival.test", "curator", password);
        server = std::make_unique<festival_process>(dir.path().string(), flags);
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

    // A language is named by its two-letter code, however the request spells it.
    const auto spanish = f.put("/api/films/voyage/subtitles/SPA", "1\n00:00:01,000 --> 00:00:02,000\nHola\n", "text/plain");
    REQUIRE(spanish.status == 201);
    CHECK(spanish.json()["lang"] == "es");
    CHECK(fs::exists(f.dir.path() / "sources/1/subtitles/es.vtt"));
    CHECK(f.curator.call("DELETE", "/api/films/voyage/subtitles/spa").status == 204);
    CHECK(!fs::exists(f.dir.path() / "sources/1/subtitles/es.vtt"));
    // A track stored under a three-letter name before languages were normalised can still be removed.
    write_file(f.dir.path() / "sources/1/subtitles/fre.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\n");
    festival::catalog::database(festival::test::catalog_location_of(f.dir.path()))
        .exec("UPDATE films SET subtitle_languages = '[\"fre\"]'");
    CHECK(f.curator.call("DELETE", "/api/films/voyage/subtitles/fre").status == 204);
    CHECK(!fs::exists(f.dir.path() / "sources/1/subtitles/fre.vtt"));
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
    festival::catalog::database(festival::test::catalog_location_of(f.dir.path()))
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
    const std::string served_master = f.curator.call("GET", "/api/films/1").json()["media"]["master"];
    CHECK(served_master.find("/v" + std::to_string(version) + "/") != std::string::npos);
    const auto vtt = http_call(f.server->port(), "GET",
                               served_master.substr(0, served_master.rfind('/') + 1) + "subtitles/fr.vtt");
    CHECK(vtt.status == 200);
    CHECK(vtt.body.find("Bonjour") != std::string::npos);

    // Removing them publishes a version without them.
    REQUIRE(f.curator.call("DELETE", "/api/films/voyage/subtitles/fr").status == 204);
    const auto after = f.curator.call("GET", "/api/films/voyage").json()["media"]["version"].get<std::int64_t>();
    CHECK(after > version);
    const auto without = read_file((f.dir.path() / ("media/1/v" + std::to_string(after)) / "master.m3u8").string());
    CHECK(without.find("SUBTITLES") == std::string::npos);
}

namespace {

// The same with one transcoder, for films that become online by being transcoded.
struct transcoding_fixture : assets_fixture {
    tus_client uploader{curator};

    transcoding_fixture() : assets_fixture({"--transcoders", "1", "--transcoder", festival_transcoder_exe()}) {}

    void create_film(const std::string& slug) const {
        REQUIRE(curator.call("POST", "/api/films",
                             nlohmann::json{{"slug", slug}, {"original_title", slug}, {"category", "short"},
                                            {"published", true}}.dump())
                    .status == 201);
    }
    // Sends a two-second film made by ffmpeg over tus and waits for its transcode; returns the job's id.
    std::int64_t upload_and_transcode(const std::string& slug) const {
        const auto path = (dir.path() / (slug + ".mp4")).string();
        std::string output;
        REQUIRE(run_command({"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=2",
                             "-c:v", "libx264", "-preset", "ultrafast", "-y", path},
                            output) == 0);
        const auto bytes = read_file(path);
        const auto location = uploader.create(slug, static_cast<std::int64_t>(bytes.size()), "master.mp4");
        REQUIRE(uploader.patch(location, 0, bytes).status == 204);
        nlohmann::json upload;
        REQUIRE(eventually([&] {
            upload = curator.call("GET", location).json();
            return upload["status"] != "receiving";
        }, std::chrono::seconds(180)));
        REQUIRE(upload["job_id"].is_number());
        const auto job = upload["job_id"].get<std::int64_t>();
        REQUIRE(eventually([&] {
            const auto state = curator.call("GET", "/api/jobs/" + std::to_string(job)).json()["status"];
            return state == "done" || state == "failed";
        }, std::chrono::seconds(180)));
        REQUIRE(curator.call("GET", "/api/jobs/" + std::to_string(job)).json()["status"] == "done");
        return job;
    }
    std::string media(const std::string& slug, const std::string& file) const {
        const auto film = curator.call("GET", "/api/films/" + slug).json();
        const auto path = std::to_string(film["id"].get<std::int64_t>()) + "/v" +
                          std::to_string(film["media"]["version"].get<std::int64_t>()) + "/" + file;
        const std::string master = film["media"]["master"];  // with the time slice's token
        const auto served = http_call(server->port(), "GET", master.substr(0, master.rfind('/') + 1) + file);
        const auto previewed = http_call(server->port(), "GET", "/preview/" + path, "", {{"Cookie", curator.cookie}});
        INFO(path);
        CHECK(served.status == 200);
        CHECK(previewed.status == 200);
        CHECK(previewed.body == served.body);
        return served.body;
    }
};

}  // namespace

TEST_CASE("the same SRT gives the same WebVTT track whether the film is online or not yet") {
    transcoding_fixture f;
    // A three-letter language, SRT markup WebVTT does not know (<font>, {\an8}), markup it does (<i>),
    // and a bare '&'.
    const std::string srt = "1\r\n00:00:00,500 --> 00:00:01,200\r\n<i>Bonjour</i> <font color=\"#ffff00\">à tous</font>"
                            "{\\an8} & bienvenue\r\n\r\n2\r\n00:00:01,300 --> 00:00:01,900\r\n<b>Fin</b>\r\n";
    const std::string track = "WEBVTT\n\n00:00:00.500 --> 00:00:01.200\n<i>Bonjour</i> à tous &amp; bienvenue\n\n"
                              "00:00:01.300 --> 00:00:01.900\n<b>Fin</b>\n\n";

    // Not yet online: the subtitles wait for the film's first transcode.
    f.create_film("before");
    const auto waiting = f.put("/api/films/before/subtitles/fre", srt, "application/x-subrip");
    REQUIRE(waiting.status == 201);
    CHECK(waiting.json()["lang"] == "fr");
    f.upload_and_transcode("before");

    // Online already: the subtitles are re-packaged into a new version.
    f.create_film("after");
    f.upload_and_transcode("after");
    const auto repackaged = f.put("/api/films/after/subtitles/fre", srt, "application/x-subrip");
    REQUIRE(repackaged.status == 201);
    CHECK(repackaged.json()["lang"] == "fr");
    CHECK(repackaged.json()["repackaged"] == true);

    for (const std::string slug : {"before", "after"}) {
        INFO(slug);
        CHECK(f.curator.call("GET", "/api/films/" + slug).json()["subtitle_languages"] == nlohmann::json{"fr"});
        const auto master = f.media(slug, "master.m3u8");
        CHECK(master.find("LANGUAGE=\"fr\",NAME=\"Français\"") != std::string::npos);
        CHECK(master.find("URI=\"subtitles/fr.m3u8\"") != std::string::npos);
        CHECK(f.media(slug, "subtitles/fr.vtt") == track);
    }
}
