// Resumable uploads (tus 1.0.0) against a real `festival serve`: every refusal leaves the stored bytes
// as they were, and an acknowledged offset survives kill -9.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <chrono>
#include <future>
#include <filesystem>
#include <fstream>
#include <thread>

#include "catalog/database.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/metrics_scrape.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/uploads/tus_client.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
namespace fs = std::filesystem;

namespace {

const std::string password = "curator password 2026";

void add_curator(const temp_dir& dir) {
    add_user_with_cli(dir.path(), "c@festival.test", "curator", password);
}

tus_client curator_of(const festival_process& server) {
    return tus_client{sign_in(server.port(), "c@festival.test", password)};
}

void add_film(const tus_client& client, const std::string& slug) {
    const auto created = client.session.call(
        "POST", "/api/films",
        nlohmann::json{{"slug", slug}, {"original_title", "Film " + slug}, {"category", "documentary"}}.dump());
    REQUIRE(created.status == 201);
}

// The upload id is the last segment of its Location.
std::string part_file(const temp_dir& dir, const std::string& location) {
    return (dir.path() / "uploads" / (location.substr(location.rfind('/') + 1) + ".part")).string();
}

std::int64_t head_offset(const tus_client& client, const std::string& location) {
    const auto head = client.head(location);
    REQUIRE(head.status == 200);
    return std::stoll(head.header("upload-offset"));
}

struct uploads_fixture {
    temp_dir dir;
    std::unique_ptr<festival_process> server;
    tus_client curator;

    explicit uploads_fixture(std::vector<std::string> flags = {}) {
        add_curator(dir);
        flags.push_back("--transcoder");
        flags.push_back(festival_transcoder_exe());
        server = std::make_unique<festival_process>(dir.path().string(), flags);
        curator = curator_of(*server);
        add_film(curator, "voyage");
    }
};

}  // namespace

TEST_CASE("OPTIONS /api/uploads advertises tus 1.0.0, its extensions, sha1 and the size limit") {
    uploads_fixture f({"--max-upload-gb", "3"});
    const auto options = http_call(f.server->port(), "OPTIONS", "/api/uploads");
    CHECK(options.status == 204);
    CHECK(options.header("tus-version") == "1.0.0");
    CHECK(options.header("tus-extension") == "creation,creation-with-upload,termination,expiration,checksum");
    CHECK(options.header("tus-checksum-algorithm") == "sha1");
    CHECK(options.header("tus-max-size") == "3000000000");
}

TEST_CASE("an upload sent in several PATCHes is stored byte for byte, HEAD tells the offset") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(300000, 1);
    const auto location = f.curator.create("voyage", static_cast<std::int64_t>(bytes.size()));
    CHECK(location.starts_with("/api/uploads/"));
    const auto head = f.curator.head(location);
    CHECK(head.status == 200);
    CHECK(head.header("upload-offset") == "0");
    CHECK(head.header("upload-length") == "300000");
    CHECK(head.header("cache-control") == "no-store");
    CHECK(head.header("tus-resumable") == "1.0.0");
    CHECK(!head.header("upload-expires").empty());

    const auto first = f.curator.patch(location, 0, bytes.substr(0, 100000));
    CHECK(first.status == 204);
    CHECK(first.header("upload-offset") == "100000");
    CHECK(!first.header("upload-expires").empty());
    const auto second = f.curator.patch(location, 100000, bytes.substr(100000, 150000), sha1_checksum(bytes.substr(100000, 150000)));
    CHECK(second.status == 204);
    CHECK(head_offset(f.curator, location) == 250000);
    CHECK(read_file(part_file(f.dir, location)) == bytes.substr(0, 250000));
}

TEST_CASE("a complete upload that is not a film ends failed with the probe's reason, its bytes stay") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(64 * 1024, 2);
    const auto location = f.curator.create("voyage", static_cast<std::int64_t>(bytes.size()), "notes.txt");
    const auto last = f.curator.patch(location, 0, bytes);
    CHECK(last.status == 204);  // stored; the probe's verdict follows on the upload's record
    const auto status = f.curator.settled(location);
    CHECK(status["status"] == "failed");
    CHECK(!status["error"].get<std::string>().empty());
    CHECK(status["offset"] == bytes.size());
    CHECK(read_file(part_file(f.dir, location)) == bytes);
    // Nothing was queued for the film.
    const auto film = f.curator.session.call("GET", "/api/films/voyage");
    CHECK(film.json()["media"].is_null());
}

TEST_CASE("the probe does not hold a request worker: the last PATCH is answered at once, other requests go on") {
    temp_dir scripts;
    const auto stand_in = scripts.path() / "slow-transcoder.sh";
    // A probe that takes its time (as on a large film), then refuses the file.
    write_executable(stand_in, "#!/bin/sh\nsleep 3\n"
                               "echo '{\"error\":{\"code\":\"not_a_film\",\"message\":\"slowly refused\"}}'\n"
                               "exit 2\n");
    temp_dir dir;
    add_curator(dir);
    festival_process server(dir.path().string(), {"--transcoder", stand_in.string(), "--worker-threads", "1"});
    const auto curator = curator_of(server);
    add_film(curator, "voyage");
    const auto location = curator.create("voyage", 1000);

    const auto started = std::chrono::steady_clock::now();
    auto last = std::async(std::launch::async, [&] { return curator.patch(location, 0, std::string(1000, 'z')); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // With one request worker, this waits behind the probe if the probe runs there.
    const auto films = curator.session.call("GET", "/api/films");
    const auto films_after = std::chrono::steady_clock::now() - started;
    CHECK(films.status == 200);
    CHECK(films_after < std::chrono::milliseconds(2000));
    CHECK(last.get().status == 204);
    CHECK(curator.session.call("GET", location).json()["status"] == "receiving");  // still being probed
    const auto status = curator.settled(location);
    CHECK(status["status"] == "failed");
    CHECK(status["error"] == "slowly refused");
}

TEST_CASE("a wrong Upload-Offset is 409 and the stored bytes are untouched") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(4096, 3);
    const auto location = f.curator.create("voyage", 8192);
    REQUIRE(f.curator.patch(location, 0, bytes).status == 204);
    CHECK(f.curator.patch(location, 0, pattern_bytes(100, 9)).status == 409);
    CHECK(f.curator.patch(location, 5000, pattern_bytes(100, 9)).status == 409);
    CHECK(head_offset(f.curator, location) == 4096);
    CHECK(read_file(part_file(f.dir, location)) == bytes);
}

TEST_CASE("a wrong Upload-Checksum is 460 and that PATCH's bytes are discarded") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(20000, 4);
    const auto location = f.curator.create("voyage", 40000);
    REQUIRE(f.curator.patch(location, 0, bytes, sha1_checksum(bytes)).status == 204);
    const auto more = pattern_bytes(20000, 5);
    const auto refused = f.curator.patch(location, 20000, more, sha1_checksum(pattern_bytes(20000, 6)));
    CHECK(refused.status == 460);
    CHECK(refused.json()["error"]["code"] == "checksum_mismatch");
    CHECK(head_offset(f.curator, location) == 20000);
    CHECK(read_file(part_file(f.dir, location)) == bytes);
    // An algorithm we do not offer is a 400, before any byte is written.
    CHECK(f.curator.patch(location, 20000, more, "md5 AAAAAAAAAAAAAAAAAAAAAA==").status == 400);
    CHECK(read_file(part_file(f.dir, location)) == bytes);
}

TEST_CASE("a request without Tus-Resumable is 412 and the stored bytes are untouched") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(1000, 7);
    const auto location = f.curator.create("voyage", 2000);
    REQUIRE(f.curator.patch(location, 0, bytes).status == 204);
    auto plain = f.curator;
    plain.resumable = false;
    CHECK(plain.patch(location, 1000, pattern_bytes(1000, 8)).status == 412);
    CHECK(plain.head(location).status == 412);
    CHECK(plain.call("POST", "/api/uploads", "", {{"Upload-Length", "10"}}).status == 412);
    CHECK(plain.call("DELETE", location, "", {}).status == 412);
    CHECK(head_offset(f.curator, location) == 1000);
    CHECK(read_file(part_file(f.dir, location)) == bytes);
}

TEST_CASE("an upload over the size limit is 413, at creation and past Upload-Length") {
    uploads_fixture f({"--max-upload-gb", "1"});
    const auto too_big = f.curator.call("POST", "/api/uploads", "",
                                        {{"Upload-Length", "1000000001"}, {"Upload-Metadata", "film dm95YWdl"}});
    CHECK(too_big.status == 413);
    const auto bytes = pattern_bytes(3000, 10);
    const auto location = f.curator.create("voyage", 5000);
    REQUIRE(f.curator.patch(location, 0, bytes).status == 204);
    CHECK(f.curator.patch(location, 3000, pattern_bytes(2001, 11)).status == 413);
    CHECK(head_offset(f.curator, location) == 3000);
    CHECK(read_file(part_file(f.dir, location)) == bytes);
}

TEST_CASE("anonymous callers get 401 and curators without the CSRF token 403, bytes untouched") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(1500, 12);
    const auto location = f.curator.create("voyage", 3000);
    REQUIRE(f.curator.patch(location, 0, bytes).status == 204);
    auto anonymous = f.curator;
    anonymous.signed_in = false;
    CHECK(anonymous.patch(location, 1500, pattern_bytes(1500, 13)).status == 401);
    CHECK(anonymous.head(location).status == 401);
    CHECK(anonymous.call("POST", "/api/uploads", "", {{"Upload-Length", "10"}, {"Upload-Metadata", "film dm95YWdl"}})
              .status == 401);
    CHECK(anonymous.call("DELETE", location, "", {}).status == 401);
    CHECK(anonymous.call("GET", location, "", {}).status == 401);
    auto forged = f.curator;
    forged.csrf = false;
    CHECK(forged.patch(location, 1500, pattern_bytes(1500, 13)).status == 403);
    CHECK(forged.call("DELETE", location, "", {}).status == 403);
    CHECK(head_offset(f.curator, location) == 1500);
    CHECK(read_file(part_file(f.dir, location)) == bytes);
}

TEST_CASE("another curator can neither read, resume nor cancel an upload, an organizer can, bytes untouched") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(1500, 21);
    const auto location = f.curator.create("voyage", 3000);
    REQUIRE(f.curator.patch(location, 0, bytes).status == 204);
    auto add_user = [&](const std::string& email, const std::string& role) {
        add_user_with_cli(f.dir.path(), email, role, password);
        return tus_client{sign_in(f.server->port(), email, password)};
    };
    const auto other = add_user("other@festival.test", "curator");
    const auto refused = other.patch(location, 1500, pattern_bytes(1500, 22));
    CHECK(refused.status == 403);
    CHECK(refused.json()["error"]["code"] == "not_your_upload");
    CHECK(other.head(location).status == 403);
    CHECK(other.call("GET", location, "", {}).status == 403);
    CHECK(other.call("DELETE", location, "", {}).status == 403);
    CHECK(head_offset(f.curator, location) == 1500);
    CHECK(read_file(part_file(f.dir, location)) == bytes);

    const auto organizer = add_user("organizer@festival.test", "organizer");
    CHECK(head_offset(organizer, location) == 1500);
    CHECK(organizer.call("DELETE", location, "", {}).status == 204);
    CHECK(!fs::exists(part_file(f.dir, location)));
}

TEST_CASE("creation checks the film, the metadata and the free disk space") {
    uploads_fixture f({"--max-upload-gb", "100000"});
    auto create = [&](const std::string& length, const std::string& metadata) {
        return f.curator.call("POST", "/api/uploads", "", {{"Upload-Length", length}, {"Upload-Metadata", metadata}});
    };
    CHECK(create("100", "filename bWFzdGVyLm1vdg==").status == 400);       // no film
    CHECK(create("100", "film bm9wZQ==").status == 404);                   // "nope"
    CHECK(create("100", "film !!!").status == 400);                        // not base64
    CHECK(create("ten", "film dm95YWdl").status == 400);
    CHECK(create("99000000000000", "film dm95YWdl").status == 507);        // 99 TB: no disk has room
    CHECK(f.curator.call("POST", "/api/uploads", "", {{"Upload-Metadata", "film dm95YWdl"}}).status == 400);
}

TEST_CASE("the disk check counts what the uploads in progress still need: the second of two is 507") {
    // The server sees a disk with its reserve plus 1,000,000 bytes free (a test-only figure).
    const std::string free_bytes = std::to_string(256ULL * 1024 * 1024 + 1'000'000);
    uploads_fixture f({"--test-disk-free-bytes", free_bytes});
    const auto first = f.curator.create("voyage", 600'000);
    REQUIRE(!first.empty());
    // Each fits alone; both together do not.
    const auto refused = f.curator.call("POST", "/api/uploads", "",
                                        {{"Upload-Length", "600000"}, {"Upload-Metadata", "film dm95YWdl"}});
    CHECK(refused.status == 507);
    CHECK(refused.json()["error"]["code"] == "insufficient_storage");
    CHECK(f.curator.call("POST", "/api/uploads", "", {{"Upload-Length", "300000"}, {"Upload-Metadata", "film dm95YWdl"}})
              .status == 201);
    // An upload's own remainder is not counted against it: the first one resumes.
    CHECK(f.curator.patch(first, 0, pattern_bytes(1000, 3)).status == 204);
    // Terminating the first frees its reservation.
    REQUIRE(f.curator.call("DELETE", first, "", {}).status == 204);
    CHECK(f.curator.call("POST", "/api/uploads", "", {{"Upload-Length", "600000"}, {"Upload-Metadata", "film dm95YWdl"}})
              .status == 201);
}

TEST_CASE("creation-with-upload stores the first bytes with the POST") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(5000, 14);
    const auto created = f.curator.call("POST", "/api/uploads", bytes.substr(0, 2000),
                                        {{"Upload-Length", "5000"},
                                         {"Upload-Metadata", "film dm95YWdl"},
                                         {"Content-Type", "application/offset+octet-stream"}});
    REQUIRE(created.status == 201);
    CHECK(created.header("upload-offset") == "2000");
    const auto location = created.header("location");
    CHECK(head_offset(f.curator, location) == 2000);
    CHECK(read_file(part_file(f.dir, location)) == bytes.substr(0, 2000));
}

TEST_CASE("termination removes the upload and its bytes") {
    uploads_fixture f;
    const auto location = f.curator.create("voyage", 4000);
    REQUIRE(f.curator.patch(location, 0, pattern_bytes(1000, 15)).status == 204);
    REQUIRE(fs::exists(part_file(f.dir, location)));
    CHECK(f.curator.call("DELETE", location, "", {}).status == 204);
    CHECK(!fs::exists(part_file(f.dir, location)));
    CHECK(f.curator.head(location).status == 404);
    CHECK(f.curator.patch(location, 1000, "x").status == 404);
    CHECK(f.curator.call("DELETE", location, "", {}).status == 404);
}

TEST_CASE("after kill -9 mid-PATCH, HEAD answers the last durable offset and the upload resumes") {
    temp_dir dir;
    add_curator(dir);
    const std::int64_t total = 40 * 1024 * 1024;
    const auto bytes = pattern_bytes(static_cast<std::size_t>(total), 16);
    std::string location;
    {
        festival_process server(dir.path().string());
        const auto curator = curator_of(server);
        add_film(curator, "voyage");
        location = curator.create("voyage", total);
        REQUIRE(curator.patch(location, 0, bytes.substr(0, 1000000)).status == 204);
        // 20 MB of a 39 MB PATCH arrive, then the server dies: the checkpoint at 16 MB of this body
        // is durable, the rest was never acknowledged.
        partial_patch broken(curator, location, 1000000, bytes.substr(1000000, 20 * 1024 * 1024),
                             static_cast<std::size_t>(total - 1000000));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (head_offset(curator, location) == 1000000 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        server.kill_hard();
    }
    festival_process restarted(dir.path().string());
    const auto curator = curator_of(restarted);
    const auto offset = head_offset(curator, location);
    // One checkpoint (16 MB into the body, rounded up to the piece that crossed it), nothing after it.
    CHECK(offset >= 1000000 + 16 * 1024 * 1024);
    CHECK(offset <= 1000000 + 20 * 1024 * 1024);
    const auto rest = curator.patch(location, offset, bytes.substr(static_cast<std::size_t>(offset), 1000));
    CHECK(rest.status == 204);
    CHECK(read_file(part_file(dir, location)) == bytes.substr(0, static_cast<std::size_t>(offset) + 1000));
}

TEST_CASE("a client that disconnects mid-PATCH can resume from what arrived") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(3000000, 17);
    const auto location = f.curator.create("voyage", 3000000);
    {
        partial_patch broken(f.curator, location, 0, bytes.substr(0, 1000000), 3000000);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // The server records what arrived when it sees the connection close.
    std::int64_t offset = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((offset = head_offset(f.curator, location)) == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(offset > 0);
    CHECK(offset <= 1000000);
    http_result resumed;
    while ((resumed = f.curator.patch(location, offset, bytes.substr(static_cast<std::size_t>(offset), 1000))).status == 423)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(resumed.status == 204);
    CHECK(read_file(part_file(f.dir, location)) == bytes.substr(0, static_cast<std::size_t>(offset) + 1000));
}

TEST_CASE("an expired upload answers 410, and the cleaner removes it with its bytes") {
    temp_dir dir;
    add_curator(dir);
    std::string location;
    {
        festival_process server(dir.path().string());
        const auto curator = curator_of(server);
        add_film(curator, "voyage");
        location = curator.create("voyage", 5000);
        REQUIRE(curator.patch(location, 0, pattern_bytes(1000, 18)).status == 204);
        festival::catalog::database db(festival::test::catalog_location_of(dir.path()));
        db.exec("UPDATE uploads SET expires_at = 1000");
        CHECK(curator.head(location).status == 410);
        CHECK(curator.patch(location, 1000, "abc").status == 410);
        CHECK(fs::exists(part_file(dir, location)));
        server.stop();
    }
    // The cleaner's first pass runs as the server starts.
    festival_process restarted(dir.path().string());
    const auto curator = curator_of(restarted);
    CHECK(curator.head(location).status == 404);
    CHECK(!fs::exists(part_file(dir, location)));
}

TEST_CASE("a real film completes: probed, moved beside the film's sources and queued for transcoding") {
    if (!fs::exists(festival_transcoder_exe())) {
        MESSAGE("skipped: " << festival_transcoder_exe() << " is not built");
        return;
    }
    uploads_fixture f;
    const auto film_path = (f.dir.path() / "tiny.mp4").string();
    std::string output;
    REQUIRE(run_command({"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2", "-f",
                         "lavfi", "-i", "sine=frequency=440:duration=2", "-c:v", "libx264", "-preset", "ultrafast",
                         "-c:a", "aac", "-shortest", "-y", film_path},
                        output) == 0);
    const auto film = read_file(film_path);
    // A version already online (as after an earlier upload) must keep streaming until the new job publishes.
    festival::catalog::database(festival::test::catalog_location_of(f.dir.path()))
        .exec("UPDATE films SET media_version = 7");
    const auto location = f.curator.create("voyage", static_cast<std::int64_t>(film.size()), "tiny.mp4");
    const auto last = f.curator.patch(location, 0, film);
    CHECK(last.status == 204);
    const auto status = f.curator.settled(location);
    CHECK(status["status"] == "done");
    REQUIRE(status["job_id"].is_number());
    CHECK(!fs::exists(part_file(f.dir, location)));
    const auto id = location.substr(location.rfind('/') + 1);
    CHECK(sha256_hex(read_file((f.dir.path() / "sources" / "1" / ("master-" + id + ".mp4")).string())) ==
          sha256_hex(film));
    const auto job = f.curator.session.call("GET", "/api/jobs/" + std::to_string(status["job_id"].get<int>()));
    REQUIRE(job.status == 200);
    CHECK(job.json()["film_id"] == 1);
    CHECK(job.json()["status"] == "queued");
    CHECK(f.curator.session.call("GET", "/api/films/voyage").json()["media"]["version"] == 7);
}

TEST_CASE("a PATCH with a checksum that breaks off mid-body keeps nothing of that body") {
    uploads_fixture f;
    const auto bytes = pattern_bytes(2000000, 19);
    const auto location = f.curator.create("voyage", 2000000);
    REQUIRE(f.curator.patch(location, 0, bytes.substr(0, 1000)).status == 204);
    {
        // Announced with its checksum, but only part of the body arrives before the client leaves.
        partial_patch broken(f.curator, location, 1000, bytes.substr(1000, 500000), 1999000,
                             sha1_checksum(bytes.substr(1000)));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    http_result next;
    while ((next = f.curator.patch(location, 1000, bytes.substr(1000, 1000))).status == 423)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(next.status == 204);  // the stored offset was still 1000
    CHECK(read_file(part_file(f.dir, location)) == bytes.substr(0, 2000));
}

TEST_CASE("an upload whose last byte was stored just before a crash is probed when the server restarts") {
    temp_dir dir;
    add_curator(dir);
    const auto bytes = pattern_bytes(100000, 20);
    std::string location;
    {
        festival_process server(dir.path().string(), {"--transcoder", festival_transcoder_exe()});
        const auto curator = curator_of(server);
        add_film(curator, "voyage");
        location = curator.create("voyage", 100000);
        REQUIRE(curator.patch(location, 0, bytes.substr(0, 40000)).status == 204);
        server.kill_hard();
    }
    // As the last PATCH leaves it when the server dies between recording the offset and probing.
    {
        std::ofstream(part_file(dir, location), std::ios::binary | std::ios::app) << bytes.substr(40000);
        festival::catalog::database(festival::test::catalog_location_of(dir.path()))
            .exec("UPDATE uploads SET \"offset\" = length");
    }
    festival_process restarted(dir.path().string(), {"--transcoder", festival_transcoder_exe()});
    const auto curator = curator_of(restarted);
    const auto status = curator.settled(location);
    CHECK(status["status"] == "failed");  // random bytes: the probe refuses them, with its reason
    CHECK(!status["error"].get<std::string>().empty());
    CHECK(read_file(part_file(dir, location)) == bytes);
}

TEST_CASE("the bytes an upload stores are counted on the metrics listener") {
    uploads_fixture f({"--metrics-listen", "127.0.0.1:0"});
    const auto metrics_port = metrics_port_of(*f.server);
    REQUIRE(metrics_port != 0);
    const std::string received = "festival_upload_bytes_received_total";
    CHECK(scrape(metrics_port).value(received) == 0);
    const auto bytes = pattern_bytes(200000, 7);
    const auto location = f.curator.create("voyage", static_cast<std::int64_t>(bytes.size()) + 1);
    REQUIRE(f.curator.patch(location, 0, bytes.substr(0, 120000)).status == 204);
    REQUIRE(f.curator.patch(location, 120000, bytes.substr(120000)).status == 204);
    CHECK(f.curator.patch(location, 0, "late").status == 409);  // refused: nothing stored, nothing counted
    const std::string stored = R"(festival_http_requests_total{method="PATCH",route="/api/uploads/{id}",code="204"})";
    const std::string refused = R"(festival_http_requests_total{method="PATCH",route="/api/uploads/{id}",code="409"})";
    parsed_metrics after;  // a request is counted just after its answer leaves: the client may be quicker
    eventually(
        [&] {
            after = scrape(metrics_port);
            return after.value_or_zero(stored) == 2 && after.value_or_zero(refused) == 1;
        },
        std::chrono::seconds(10));
    CHECK(after.value(received) == 200000);
    CHECK(after.value_or_zero(stored) == 2);
    CHECK(after.value_or_zero(refused) == 1);
}
