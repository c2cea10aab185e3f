// Integration tests: a real `festival serve` on 127.0.0.1 and a free port, spoken to over HTTP (what
// a handler answers is tested in process, in api/).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "catalog/database.hpp"
#include "tests/support/festival_fixture.hpp"
#include "tests/support/film_body.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/signed_media_url.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

// Checks the JSON error shape (never cached: a film that opens is not hidden by a cached refusal);
// returns its code.
std::string check_error_shape(const http_result& r, int status) {
    CHECK(r.status == status);
    CHECK(r.header("content-type").find("application/json") != std::string::npos);
    CHECK(r.header("cache-control") == "no-store");
    const auto j = r.json();
    CHECK(j["error"]["code"].is_string());
    CHECK(j["error"]["message"].is_string());
    CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
    return j["error"]["code"].is_string() ? j["error"]["code"].get<std::string>() : std::string();
}

bool still_serving(unsigned short port) { return http_call(port, "GET", "/healthz").status == 200; }

}  // namespace

TEST_CASE("unknown routes and methods answer with the JSON error shape and the server keeps serving") {
    festival_fixture f;
    check_error_shape(http_call(f.port(), "GET", "/api/nothing-here"), 404);
    check_error_shape(http_call(f.port(), "POST", "/api/nothing-here", "{}"), 404);
    check_error_shape(http_call(f.port(), "PUT", "/api/films"), 405);
    CHECK(still_serving(f.port()));
}

TEST_CASE("a body over its route's limit gets 413 before it is read, and the server keeps serving") {
    festival_fixture f;
    const auto curator = f.curator();
    auto huge = film_body("huge");
    huge["rights_note"] = std::string(2 * 1024 * 1024, 'x');
    check_error_shape(curator.call("POST", "/api/films", huge.dump()), 413);
    CHECK(still_serving(f.port()));
    CHECK(curator.call("GET", "/api/films/huge").status == 404);
}

TEST_CASE("malformed HTTP and oversized headers get 400 and 431, and the server keeps serving") {
    festival_fixture f;
    const auto garbage = raw_exchange(f.port(), "NOT HTTP AT ALL\r\n\r\n");
    CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
    const auto big_header =
        raw_exchange(f.port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
    CHECK(big_header.rfind("HTTP/1.1 431", 0) == 0);
    const auto bad_escape = raw_exchange(f.port(), "GET /api/films/%zz HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(bad_escape.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(still_serving(f.port()));
}

TEST_CASE("pages carry the security headers and a missing page is a JSON 404") {
    temp_dir data, web;
    std::ofstream(web.path() / "index.html") << "<!doctype html><title>Festival</title>";
    std::ofstream(web.path() / "film.html") << "<!doctype html><title>Film</title>";
    festival_process server(data.path().string(), {"--web-dir", web.path().string()});
    CHECK(http_call(server.port(), "GET", "/").status == 301);  // to the page in the viewer's language
    const auto home = http_call(server.port(), "GET", "/en/");
    CHECK(home.status == 200);
    CHECK(home.header("content-type") == "text/html; charset=utf-8");
    const auto csp = home.header("content-security-policy");
    CHECK(csp.find("script-src 'self'") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
    CHECK(home.header("x-content-type-options") == "nosniff");
    CHECK_FALSE(home.header("referrer-policy").empty());
    // No such film: film.html with a "not found" head in the page's language.
    const auto film = http_call(server.port(), "GET", "/fr/films/some-film");
    CHECK(film.status == 404);
    CHECK(film.body.find("<title>Page introuvable") != std::string::npos);
    check_error_shape(http_call(server.port(), "GET", "/missing.html"), 404);
    check_error_shape(http_call(server.port(), "GET", "/%2e%2e/%2e%2e/etc/passwd"), 404);
}

TEST_CASE("media: a screening film's files are served, unpublished, out-of-window and escaping paths are not") {
    festival_fixture f;
    const auto curator = f.curator();
    const int open_id = curator.call("POST", "/api/films", film_body("open").dump()).json()["id"];
    const int draft_id = curator.call("POST", "/api/films", film_body("draft", false).dump()).json()["id"];
    auto later = film_body("later");
    later["available_from"] = "2099-01-01";
    const int later_id = curator.call("POST", "/api/films", later.dump()).json()["id"];
    for (int id : {open_id, draft_id, later_id}) {
        const auto folder = f.dir.path() / "media" / std::to_string(id) / "v1";
        std::filesystem::create_directories(folder);
        std::ofstream(folder / "master.m3u8") << "#EXTM3U\n";
        std::ofstream(folder / "seg.m4s") << std::string(1000, 's');
        festival::catalog::database db(f.catalog_location());
        db.exec("UPDATE films SET media_version = 1 WHERE id = " + std::to_string(id));
    }
    std::filesystem::create_directories(f.dir.path() / "media" / std::to_string(open_id) / ".tmp-2");
    std::ofstream(f.dir.path() / "media" / std::to_string(open_id) / ".tmp-2" / "master.m3u8") << "#EXTM3U\n";
    // Any catalog change refreshes what the server knows of screening windows.
    REQUIRE(curator.call("PATCH", "/api/films/open", json{{"year", 2020}}.dump()).status == 200);

    // The film JSON names the files, with the time slice's token.
    const std::string open_master = curator.call("GET", "/api/films/open").json()["media"]["master"];
    const auto base = open_master.substr(0, open_master.size() - std::string("master.m3u8").size());
    const auto playlist = http_call(f.port(), "GET", base + "master.m3u8");
    CHECK(playlist.status == 200);
    CHECK(playlist.header("content-type") == "application/vnd.apple.mpegurl");
    CHECK(playlist.header("access-control-allow-origin") == "*");
    const auto segment = http_call(f.port(), "GET", base + "seg.m4s");
    CHECK(segment.status == 200);
    CHECK(segment.body.size() == 1000);
    CHECK(segment.header("cache-control").find("immutable") != std::string::npos);
    const auto head = http_call(f.port(), "HEAD", base + "seg.m4s");
    CHECK(head.header("content-length") == "1000");
    CHECK(head.body.empty());
    const auto range = http_call(f.port(), "GET", base + "seg.m4s", "", {{"Range", "bytes=990-"}});
    CHECK(range.status == 206);
    CHECK(range.body.size() == 10);
    CHECK(http_call(f.port(), "GET", base + "seg.m4s", "", {{"If-None-Match", segment.header("etag")}}).status == 304);

    // A validly signed URL does not open a film outside its window: the origin checks both.
    const auto signed_url = [&](int id, const std::string& file) {
        return festival::testing::signed_media_url(f.dir.path(), id, 1, file);
    };
    CHECK(check_error_shape(http_call(f.port(), "GET", signed_url(draft_id, "master.m3u8")), 403) == "not_screening");
    CHECK(check_error_shape(http_call(f.port(), "GET", signed_url(later_id, "master.m3u8")), 403) == "not_screening");
    check_error_shape(http_call(f.port(), "GET", "/media/" + std::to_string(open_id) + "/.tmp-2/master.m3u8"), 404);
    check_error_shape(http_call(f.port(), "GET", base + "..%2f..%2fcatalog.db"), 404);
    check_error_shape(http_call(f.port(), "GET", base + "%2e%2e/%2e%2e/%2e%2e/catalog.db"), 404);
    check_error_shape(http_call(f.port(), "GET", festival::testing::signed_media_url(f.dir.path(), 999, 1, "master.m3u8")), 404);
    check_error_shape(http_call(f.port(), "GET", base + "seg.m4s%00.m3u8"), 404);

    // Range edge cases: the first byte only, a suffix, a start beyond the end.
    const auto first = http_call(f.port(), "GET", base + "seg.m4s", "", {{"Range", "bytes=0-0"}});
    CHECK(first.status == 206);
    CHECK(first.body == "s");
    CHECK(first.header("content-range") == "bytes 0-0/1000");
    const auto suffix = http_call(f.port(), "GET", base + "seg.m4s", "", {{"Range", "bytes=-300"}});
    CHECK(suffix.status == 206);
    CHECK(suffix.header("content-range") == "bytes 700-999/1000");
    const auto beyond = http_call(f.port(), "GET", base + "seg.m4s", "", {{"Range", "bytes=1000-"}});
    CHECK(beyond.status == 416);
    CHECK(beyond.header("content-range") == "bytes */1000");
    CHECK(http_call(f.port(), "GET", base + "seg.m4s", "", {{"If-Modified-Since", segment.header("last-modified")}})
              .status == 304);
}

TEST_CASE("media preview: curators see an unpublished film's files, privately, viewers do not") {
    festival_fixture f;
    const auto curator = f.curator();
    const int draft_id = curator.call("POST", "/api/films", film_body("draft", false).dump()).json()["id"];
    const auto folder = f.dir.path() / "media" / std::to_string(draft_id) / "v3";
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "master.m3u8") << "#EXTM3U\n";
    std::ofstream(folder / "seg.m4s") << std::string(500, 'p');
    {
        festival::catalog::database db(f.catalog_location());
        db.exec("UPDATE films SET media_version = 3 WHERE id = " + std::to_string(draft_id));
    }
    const auto film = curator.call("GET", "/api/films/draft").json();
    const std::string preview = film["media"]["preview"];
    CHECK(preview == "/preview/" + std::to_string(draft_id) + "/v3/master.m3u8");

    const auto playlist = curator.call("GET", preview);
    CHECK(playlist.status == 200);
    CHECK(playlist.header("content-type") == "application/vnd.apple.mpegurl");
    CHECK(playlist.header("cache-control").find("private") == 0);
    const auto segment = curator.call("GET", "/preview/" + std::to_string(draft_id) + "/v3/seg.m4s");
    CHECK(segment.status == 200);
    CHECK(segment.body == std::string(500, 'p'));
    CHECK(segment.header("cache-control").find("private") == 0);
    CHECK(segment.header("access-control-allow-origin").empty());

    check_error_shape(http_call(f.port(), "GET", preview), 401);
    CHECK_FALSE(film["media"].contains("master"));  // no viewer URL (nor token) for a film that does not screen
    check_error_shape(http_call(f.port(), "GET", festival::testing::signed_media_url(f.dir.path(), draft_id, 3, "master.m3u8")), 403);
    check_error_shape(curator.call("GET", "/preview/" + std::to_string(draft_id) + "/v3/..%2f..%2f..%2fcatalog.db"), 404);
    check_error_shape(curator.call("GET", "/preview/99999/v3/master.m3u8"), 404);
}

TEST_CASE("a real HLS client (ffmpeg) reads every rung of a screening film to the end over HTTP") {
    festival_fixture f;
    const auto curator = f.curator();
    const int id = curator.call("POST", "/api/films", film_body("ladder").dump()).json()["id"];
    const auto folder = f.dir.path() / "media" / std::to_string(id) / "v1";
    std::filesystem::create_directories(folder);
    // Two rungs with a master playlist and fMP4 segments, as a transcode publishes them.
    std::string output;
    const int made = run_command(
        {"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
         "sine=frequency=440", "-t", "6", "-filter_complex", "[0:v]split=2[a][b];[b]scale=160:120[c]", "-map", "[a]",
         "-map", "[c]", "-map", "1:a", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50",
         "-c:a", "aac", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
         "-master_pl_name", "master.m3u8", "-var_stream_map", "v:0,a:0 v:1,a:1", "-hls_segment_filename",
         (folder / "r%v_%03d.m4s").string(), "-hls_fmp4_init_filename", "init.mp4", (folder / "r%v.m3u8").string()},
        output);
    REQUIRE_MESSAGE(made == 0, output);
    {
        festival::catalog::database db(f.catalog_location());
        db.exec("UPDATE films SET media_version = 1 WHERE id = " + std::to_string(id));
    }
    REQUIRE(curator.call("PATCH", "/api/films/ladder", json{{"year", 2021}}.dump()).status == 200);

    const auto master = "http://127.0.0.1:" + std::to_string(f.port()) +
                        curator.call("GET", "/api/films/ladder").json()["media"]["master"].get<std::string>();
    std::string probe;
    REQUIRE(run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_type,height", "-of", "csv=p=0",
                         master},
                        probe) == 0);
    CHECK(probe.find("240") != std::string::npos);
    CHECK(probe.find("120") != std::string::npos);
    // Every stream of every variant, decoded to the end: no error output, exit 0.
    std::string decoded;
    const int rc = run_command({"ffmpeg", "-v", "error", "-i", master, "-map", "0", "-f", "null", "-"}, decoded);
    CHECK_MESSAGE(rc == 0, decoded);
    CHECK_MESSAGE(decoded.empty(), decoded);
}
