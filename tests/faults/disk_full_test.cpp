// The disk filling up under the festival (its data folder on a small tmpfs): during an upload, a
// transcode and a publish. Nothing acknowledged is lost, the festival keeps serving what it has, and
// the work goes through once there is room again.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <functional>

#include "tests/faults/fault_site.hpp"
#include "tests/support/eventually.hpp"
#include "tests/uploads/tus_client.hpp"

using namespace festival::testing;
namespace fs = std::filesystem;

namespace {

// The server keeps this much free beside uploads (upload_store::disk_reserve) and checks it first.
constexpr std::uint64_t reserve = 256ULL << 20;

// A PATCH whose body goes in two writes, `between` running after the first has been stored.
std::string patch_in_two_parts(const tus_client& client, const std::string& path, std::int64_t offset,
                               const std::string& first, const std::string& second,
                               const std::function<void()>& between) {
    const std::string head = "PATCH " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                             "Content-Type: application/offset+octet-stream\r\nUpload-Offset: " +
                             std::to_string(offset) + "\r\nContent-Length: " +
                             std::to_string(first.size() + second.size()) + "\r\nCookie: " + client.session.cookie +
                             "\r\nX-CSRF-Token: " + client.session.csrf_token + "\r\n\r\n";
    return raw_exchange_in_two_parts(client.session.port, head + first, between, second);
}

int status_of(const std::string& raw) { return raw.size() > 12 ? std::stoi(raw.substr(9, 3)) : 0; }
std::string body_of(const std::string& raw) {
    const auto end = raw.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : raw.substr(end + 4);
}

std::int64_t head_offset(const tus_client& client, const std::string& location) {
    const auto head = client.head(location);
    REQUIRE(head.status == 200);
    return std::stoll(head.header("upload-offset"));
}

std::string part_file(const fault_site& site, const std::string& location) {
    return (site.data / "uploads" / (location.substr(location.rfind('/') + 1) + ".part")).string();
}

constexpr std::chrono::seconds recovery_limit{60};

}  // namespace

TEST_CASE("the disk filling during an upload: 507, the festival keeps serving, the upload resumes once there is room") {
    fault_site site((reserve >> 20) + 48);
    const auto film = site.published_film("premiere", site.clip("premiere.mp4", 2, "160x120"));
    const auto version = *site.media_version(film);
    site.start_server();
    tus_client curator{site.curator()};

    // An upload stored in part before the disk fills.
    const auto earlier_bytes = pattern_bytes(200000, 1);
    const auto earlier = curator.create("premiere", 400000);
    REQUIRE(curator.patch(earlier, 0, earlier_bytes).status == 204);

    // A film sent in two parts; the disk fills completely between them.
    const auto master = read_file(site.clip("master.mp4", 6, "640x360").string());
    REQUIRE(master.size() > 200000);
    const auto upload = curator.create("premiere", static_cast<std::int64_t>(master.size()));
    const auto half = master.size() / 2;
    const auto answer = patch_in_two_parts(curator, upload, 0, master.substr(0, half), master.substr(half),
                                           [&] { site.disk.fill(0); });
    CHECK(status_of(answer) == 507);
    require_error_shape(http_result{status_of(answer), {}, body_of(answer)}, "insufficient_storage");

    // Still serving: the catalog, a published film's media, the stored uploads.
    CHECK(http_call(site.server->port(), "GET", "/api/films").status == 200);
    require_served_whole(site.server->port(), site, film, version);
    CHECK(head_offset(curator, earlier) == 200000);
    CHECK(read_file(part_file(site, earlier)) == earlier_bytes);
    // The durable offset names bytes that are all there.
    const auto offset = head_offset(curator, upload);
    CHECK(offset <= static_cast<std::int64_t>(half));
    CHECK(read_file(part_file(site, upload)).substr(0, offset) == master.substr(0, offset));
    // A new upload bigger than the room left is refused at once, before any byte.
    const auto refused = curator.call("POST", "/api/uploads", "", {{"Upload-Length", "1000000"},
                                                                  {"Upload-Metadata", "film cHJlbWllcmU="}});
    CHECK(refused.status == 507);
    require_error_shape(refused, "insufficient_storage");

    // Room again: the upload resumes from its durable offset and completes (probed, queued).
    site.disk.release_filler();
    const auto resumed = curator.patch(upload, offset, master.substr(offset));
    CHECK(resumed.status == 204);
    CHECK(head_offset(curator, upload) == static_cast<std::int64_t>(master.size()));
    // The probe's verdict comes after the last PATCH.
    const auto settled = [&](const std::string& location) {
        nlohmann::json status;
        eventually([&] {
            status = curator.session.call("GET", location).json();
            return status["status"] != "receiving";
        }, recovery_limit);
        return status;
    };
    const auto status = settled(upload);
    CHECK(status["status"] == "done");
    CHECK(status["job_id"].is_number());
    REQUIRE(curator.patch(earlier, 200000, pattern_bytes(200000, 2)).status == 204);
    CHECK(settled(earlier)["status"] == "failed");  // complete, but no film
}

TEST_CASE("the disk filling during a transcode: the job fails with its reason, the film plays on, a retry succeeds") {
    fault_site site((reserve >> 20) + 48);
    const auto film = site.published_film("premiere", site.clip("premiere.mp4", 2, "160x120"));
    const auto version = *site.media_version(film);
    site.start_server();
    const auto free_before = site.disk.free_bytes();

    const auto bigger = site.clip("bigger.mp4", 8, "640x360");
    const auto job = site.enqueue(film, bigger);
    site.disk.fill(300 * 1024);
    const auto free_filled = site.disk.free_bytes();
    const auto started = std::chrono::steady_clock::now();
    CHECK(site.run_worker_once("full") == 0);  // the worker itself does not crash
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(60));
    CHECK(site.job_status(job) == "failed");
    INFO("job error: ", site.job_error(job));
    CHECK(site.job_error(job).rfind("insufficient_storage:", 0) == 0);
    // Nothing half-written is left, its room is back, the film still plays its version.
    CHECK(site.folders_of(film) == std::vector<std::string>{"v" + std::to_string(version)});
    CHECK(site.disk.free_bytes() + (64 << 10) >= free_filled);  // the catalog's journal may have grown a little
    CHECK(site.media_version(film) == version);
    require_served_whole(site.server->port(), site, film, version);
    CHECK(http_call(site.server->port(), "GET", "/api/films/premiere").json()["media"]["version"] == version);

    site.disk.release_filler();
    CHECK(site.disk.free_bytes() >= free_before - (1 << 20));
    const auto retry = site.enqueue(film, bigger);
    REQUIRE(site.run_worker_once("roomy") == 0);
    CHECK(site.job_status(retry) == "done");
    site.publish_pending(film, retry);  // a new master of a published film goes live once published
    CHECK(site.media_version(film) == retry);
    require_whole_on_disk(site, film, retry);
}

TEST_CASE("the disk full during a subtitle publish: a JSON 507, the current version keeps being served") {
    fault_site site((reserve >> 20) + 32);
    const auto film = site.published_film("premiere", site.clip("premiere.mp4", 2, "160x120"));
    const auto version = *site.media_version(film);
    site.start_server();
    const auto curator = site.curator();
    const std::string srt = "1\n00:00:00,500 --> 00:00:01,500\nBonjour.\n";

    site.disk.fill(0);
    const auto refused = curator.call("PUT", "/api/films/premiere/subtitles/fr", srt);
    CHECK(refused.status == 507);
    require_error_shape(refused, "insufficient_storage");
    CHECK(site.media_version(film) == version);
    CHECK(site.folders_of(film) == std::vector<std::string>{"v" + std::to_string(version)});
    require_served_whole(site.server->port(), site, film, version);
    const auto shown = http_call(site.server->port(), "GET", "/api/films/premiere").json();
    CHECK(shown["media"]["version"] == version);

    // The disk filling at each step of the publish (the subtitle file, the catalog, the re-packaged
    // version's files): a 201 or a clean 507, and the version the catalog names is whole and served.
    for (std::uint64_t leave = 4096; leave <= 64 * 1024; leave += 4096) {
        site.disk.fill(leave);
        const auto answer = curator.call("PUT", "/api/films/premiere/subtitles/fr", srt);
        INFO("room left: ", leave, " answer: ", answer.status, " ", answer.body);
        CHECK((answer.status == 201 || answer.status == 507));
        if (answer.status != 201) require_error_shape(answer, "insufficient_storage");
        const auto current = *site.media_version(film);
        require_whole_on_disk(site, film, current);
        for (const auto& name : site.folders_of(film)) CHECK_MESSAGE(!name.starts_with(".tmp-"), name);
        site.disk.release_filler();
    }
    CHECK(http_call(site.server->port(), "GET", "/api/films").status == 200);

    site.disk.release_filler();
    const auto stored = curator.call("PUT", "/api/films/premiere/subtitles/fr", srt);
    REQUIRE(stored.status == 201);
    CHECK(stored.json()["repackaged"] == true);
    const auto published = *site.media_version(film);
    CHECK(published > version);
    require_whole_on_disk(site, film, published);
    CHECK(eventually([&] {
        return http_call(site.server->port(), "GET",
                         site.media_url(film, published, "subtitles/fr.vtt"))
                   .status == 200;
    }, recovery_limit));
}
