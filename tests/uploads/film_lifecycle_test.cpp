// A film's life on a real `festival serve` with a transcoder: ids never reused after a delete, a
// deleted film's files removed, /media serving only the versions the catalog names, superseded versions
// pruned, and a new master of a published film waiting for a curator to publish it.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "catalog/database.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/media_version.hpp"
#include "tests/support/signed_media_url.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/uploads/tus_client.hpp"
#include "tests/support/test_catalog.hpp"
#include "transcoder/media/media_layout.hpp"

using namespace festival::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string password = "curator password 2026";

constexpr std::chrono::seconds transcode_limit{180};
constexpr std::chrono::seconds serving_limit{30};

struct lifecycle_fixture {
    temp_dir dir;
    std::unique_ptr<festival_process> server;
    tus_client curator;

    explicit lifecycle_fixture(std::vector<std::string> flags) {
        add_user_with_cli(dir.path(), "c@festival.test", "curator", password);
        add_user_with_cli(dir.path(), "o@festival.test", "organizer", password);
        flags.insert(flags.end(), {"--transcoder", festival_transcoder_exe()});
        server = std::make_unique<festival_process>(dir.path().string(), flags);
        curator = tus_client{sign_in(server->port(), "c@festival.test", password)};
    }

    std::int64_t create_film(const std::string& slug) const {
        const auto created = curator.session.call(
            "POST", "/api/films",
            json{{"slug", slug}, {"original_title", slug}, {"category", "short"}, {"published", true}}.dump());
        REQUIRE(created.status == 201);
        return created.json()["id"].get<std::int64_t>();
    }
    json film(const std::string& slug) const { return curator.session.call("GET", "/api/films/" + slug).json(); }

    // A small real film made by ffmpeg.
    std::string clip(const std::string& name, const std::string& size) const {
        const auto path = (dir.path() / name).string();
        std::string output;
        REQUIRE(run_command({"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=" + size + ":rate=25:duration=2",
                             "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-preset",
                             "ultrafast", "-c:a", "aac", "-shortest", "-y", path},
                            output) == 0);
        return read_file(path);
    }
    // Uploads a master over tus and waits until its transcode job ended; returns the job's id.
    std::int64_t upload_and_transcode(const std::string& slug, const std::string& bytes) const {
        const auto location = curator.create(slug, static_cast<std::int64_t>(bytes.size()), "master.mp4");
        REQUIRE(curator.patch(location, 0, bytes).status == 204);
        json upload;  // the last PATCH is answered before the probe's verdict
        REQUIRE(eventually([&] {
            upload = curator.session.call("GET", location).json();
            return upload["status"] != "receiving";
        }, transcode_limit));
        REQUIRE(upload["job_id"].is_number());
        const auto job = upload["job_id"].get<std::int64_t>();
        REQUIRE(eventually([&] {
            const auto state = curator.session.call("GET", "/api/jobs/" + std::to_string(job)).json()["status"];
            return state == "done" || state == "failed";
        }, transcode_limit));
        REQUIRE(curator.session.call("GET", "/api/jobs/" + std::to_string(job)).json()["status"] == "done");
        return job;
    }
    int media_status(const std::string& target) const { return http_call(server->port(), "GET", target).status; }
    // A viewer's URL signed now, as the film JSON would give it (for versions it no longer names too).
    std::string media_url(std::int64_t film, std::int64_t version, const std::string& file) const {
        return festival::testing::signed_media_url(dir.path(), film, version, file);
    }
    std::string master_of(std::int64_t film, std::int64_t version) const { return media_url(film, version, "master.m3u8"); }
    festival::media::media_layout layout() const { return festival::media::media_layout(dir.path()); }
    fs::path media(std::int64_t film) const { return layout().film_media(film); }
};


// A published version as a transcoder leaves it, made by job 1 from /sources/master.mov (the bytes of
// the segments do not matter to the server).
void hand_made_version(const fs::path& data, std::int64_t film) {
    write_one_rendition_version(data / "media" / std::to_string(film) / "v1",
                                {{"index.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"init.mp4\"\n"
                                                "#EXTINF:4.000,\nseg0.m4s\n#EXT-X-ENDLIST\n"},
                                 {"init.mp4", pattern_bytes(500, 1)},
                                 {"seg0.m4s", pattern_bytes(5000, 2)}});
    festival::catalog::database(festival::test::catalog_location_of(data))
        .exec("INSERT INTO jobs (id, film_id, source_path, status, progress) VALUES (1, " + std::to_string(film) +
              ", '/sources/master.mov', 'done', 100); UPDATE films SET media_version = 1");
    // An id written by hand leaves PostgreSQL's identity behind it: the next job must not take id 1.
    if (festival::test::catalog_is_postgresql())
        festival::catalog::database(festival::test::catalog_location_of(data))
            .exec("SELECT setval(pg_get_serial_sequence('jobs', 'id'), (SELECT MAX(id) FROM jobs))");
}

}  // namespace

TEST_CASE("a deleted film's id, media and files never come back under a new film, whose own upload is transcoded") {
    lifecycle_fixture f({"--transcoders", "1"});
    const auto first = f.create_film("first");
    const auto first_job = f.upload_and_transcode("first", f.clip("first.mp4", "320x240"));
    CHECK(f.film("first")["media"]["version"] == first_job);
    REQUIRE(eventually([&] { return f.media_status(f.master_of(first, first_job)) == 200; }, serving_limit));
    const auto first_master = read_file(f.layout().master_playlist(first, first_job).string());

    // Deleting a film is an organizer's act.
    REQUIRE(sign_in(f.server->port(), "o@festival.test", password).call("DELETE", "/api/films/first").status == 204);
    CHECK_FALSE(fs::exists(f.media(first)));
    CHECK_FALSE(fs::exists(f.dir.path() / "sources" / std::to_string(first)));

    const auto second = f.create_film("second");
    CHECK(second != first);
    CHECK(f.media_status(f.master_of(second, first_job)) == 404);
    CHECK(f.media_status(f.master_of(first, first_job)) == 404);
    const auto second_job = f.upload_and_transcode("second", f.clip("second.mp4", "160x120"));
    CHECK(second_job != first_job);
    CHECK(f.film("second")["media"]["version"] == second_job);
    const auto second_master =
        read_file(f.layout().master_playlist(second, second_job).string());
    CHECK(second_master.find("RESOLUTION=160x120") != std::string::npos);
    CHECK(second_master != first_master);
}

TEST_CASE("/media serves the current version and the previous one for the grace period, nothing else, and superseded versions are pruned") {
    lifecycle_fixture f({"--transcoders", "0", "--version-grace-seconds", "3"});
    const auto film = f.create_film("voyage");
    hand_made_version(f.dir.path(), film);
    // A folder the catalog never published (a leftover) is not served even though it exists.
    fs::create_directories(f.media(film) / "v99");
    std::ofstream(f.media(film) / "v99" / "master.m3u8") << "#EXTM3U\n";
    auto put = [&](const std::string& lang, const std::string& srt) {
        return http_call(f.server->port(), "PUT", "/api/films/voyage/subtitles/" + lang, srt,
                         {{"Cookie", f.curator.session.cookie}, {"X-CSRF-Token", f.curator.session.csrf_token},
                          {"Content-Type", "text/plain"}});
    };
    REQUIRE(eventually([&] { return f.media_status(f.master_of(film, 1)) == 200; }, serving_limit));
    CHECK(f.media_status(f.master_of(film, 99)) == 404);

    // New subtitles: a new current version; the first stays served for the grace period.
    const auto with_fr = put("fr", "1\n00:00:01,000 --> 00:00:02,000\nBonjour\n");
    REQUIRE(with_fr.status == 201);
    const auto fr_version = with_fr.json()["job_id"].get<std::int64_t>();
    const auto fr_track = f.media_url(film, fr_version, "subtitles/fr.vtt");
    CHECK(f.media_status(fr_track) == 200);
    CHECK(f.media_status(f.master_of(film, 1)) == 200);

    // The track removed: a newer version without it; the one before the previous is gone from disk.
    REQUIRE(f.curator.session.call("DELETE", "/api/films/voyage/subtitles/fr").status == 204);
    const auto latest = f.film("voyage")["media"]["version"].get<std::int64_t>();
    CHECK(latest > fr_version);
    CHECK(f.media_status(f.master_of(film, 1)) == 404);
    CHECK_FALSE(fs::exists(f.media(film) / "v1"));
    CHECK_FALSE(fs::exists(f.media(film) / "v99"));
    CHECK(f.media_status(fr_track) == 200);  // players mid-film finish
    std::this_thread::sleep_for(std::chrono::milliseconds(4500));
    CHECK(f.media_status(fr_track) == 404);  // the removed track is no longer downloadable
    CHECK(f.media_status(f.master_of(film, latest)) == 200);
}

TEST_CASE("a new master of a published film waits for a curator to preview and publish it") {
    lifecycle_fixture f({"--transcoders", "1"});
    const auto film = f.create_film("voyage");
    hand_made_version(f.dir.path(), film);
    const auto job = f.upload_and_transcode("voyage", f.clip("new.mp4", "160x120"));

    auto state = f.film("voyage");
    CHECK(state["media"]["version"] == 1);
    REQUIRE(state["pending_media"].is_object());
    CHECK(state["pending_media"]["version"] == job);
    CHECK_FALSE(http_call(f.server->port(), "GET", "/api/films/voyage").json().contains("pending_media"));
    const auto pending = f.master_of(film, job);
    CHECK(f.media_status(pending) == 404);
    const auto preview = "/preview/" + std::to_string(film) + "/v" + std::to_string(job) + "/master.m3u8";
    CHECK(state["pending_media"]["preview"] == preview);
    CHECK(f.curator.session.call("GET", preview).status == 200);

    const auto publish = "/api/films/voyage/versions/" + std::to_string(job) + "/publish";
    CHECK(state["pending_media"]["publish"] == "/api/films/" + std::to_string(film) + "/versions/" +
                                                  std::to_string(job) + "/publish");
    CHECK(http_call(f.server->port(), "POST", publish).status == 401);
    CHECK(http_call(f.server->port(), "POST", publish, "", {{"Cookie", f.curator.session.cookie}}).status == 403);
    const auto wrong = f.curator.session.call("POST", "/api/films/voyage/versions/1/publish");
    CHECK(wrong.status == 409);
    CHECK(wrong.json()["error"]["code"] == "version_not_pending");
    const auto published = f.curator.session.call("POST", publish);
    REQUIRE(published.status == 200);
    CHECK(published.json()["media"]["version"] == job);
    CHECK(published.json()["pending_media"].is_null());
    CHECK(f.media_status(pending) == 200);
    CHECK(f.media_status(f.master_of(film, 1)) == 200);  // the grace period (10 minutes by default)
}
