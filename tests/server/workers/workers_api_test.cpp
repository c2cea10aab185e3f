// Transcoder workers on other hosts, seen from the server: their tokens, the routes those open (and
// only those), claims, inputs downloaded with Range, output received and checked, publication, and
// leases that run out. A real `festival serve` with no local transcoder; the test plays the worker.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "catalog/database.hpp"
#include "catalog/film_json.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"
#include "server/workers/sha256.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/festival_fixture.hpp"
#include "tests/support/signed_media_url.hpp"
#include "tests/support/test_catalog.hpp"
#include "transcoder/media/hls_version.hpp"

using namespace festival::testing;
namespace catalog = festival::catalog;
namespace media = festival::media;
namespace fs = std::filesystem;
using nlohmann::json;
using festival::server::sha256_of_file;

namespace {

std::string sha256_of(const std::string& bytes) {
    festival::server::sha256_hasher hasher;
    hasher.update(bytes);
    return hasher.hex_digest();
}

std::string random_bytes(std::size_t size, unsigned seed) {
    std::mt19937 generator(seed);
    std::string bytes(size, '\0');
    for (auto& b : bytes) b = static_cast<char>(generator() & 0xFF);
    return bytes;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A version as a transcoder leaves it: one rung of one segment (the server never reads segments).
struct made_version {
    std::map<std::string, std::string> files;  // relative path -> bytes
    json listing() const {
        auto list = json::array();
        for (const auto& [path, bytes] : files) list.push_back({{"path", path}, {"bytes", bytes.size()}, {"sha256", sha256_of(bytes)}});
        return list;
    }
};

made_version one_rung_version() {
    media::hls_version version;
    version.variants = {{"360p/index.m3u8", 900000, 700000, 640, 360, "avc1.64001e", 25}};
    version.duration_seconds = 4;
    made_version made;
    made.files["version.json"] = media::version_to_json(version).dump();
    made.files["master.m3u8"] = media::master_playlist(version);
    made.files["360p/index.m3u8"] =
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init.mp4\"\n"
        "#EXTINF:4.000,\nseg0.m4s\n#EXT-X-ENDLIST\n";
    made.files["360p/init.mp4"] = random_bytes(1000, 1);
    made.files["360p/seg0.m4s"] = random_bytes(50000, 2);
    return made;
}

// A festival with no local transcoder, a published film and its master on disk.
struct workers_festival {
    festival_fixture festival;
    std::int64_t film = 0;
    fs::path master;
    std::string master_bytes = random_bytes(3'000'001, 7);

    workers_festival() {
        master = festival.dir.path() / "sources" / "1" / "master-test.mp4";
        fs::create_directories(master.parent_path());
        std::ofstream(master, std::ios::binary) << master_bytes;
        auto db = open();
        film = catalog::create_film(db, catalog::film_from_json({{"slug", "la-traversee"},
                                                                  {"original_title", "La traversée"},
                                                                  {"category", "short"},
                                                                  {"published", true}}))
                   .id;
    }

    catalog::database open() const { return catalog::open_catalog(festival.catalog_location()); }
    std::int64_t enqueue() {
        auto db = open();
        return catalog::enqueue_job(db, film, master.string(), {});
    }
    catalog::job job(std::int64_t id) const {
        auto db = open();
        return *catalog::find_job(db, id);
    }

    int worker_command(const std::vector<std::string>& args, std::string& output) const {
        std::vector<std::string> command = {FESTIVAL_EXE, "worker"};
        command.insert(command.end(), args.begin(), args.end());
        command.insert(command.end(), {"--data-dir", festival.dir.path().string()});
        if (festival::test::catalog_is_postgresql())
            command.insert(command.end(), {"--catalog", festival::test::catalog_location_of(festival.dir.path())});
        return run_command(command, output);
    }
    std::string add_token(const std::string& name) const {
        std::string output;
        REQUIRE_MESSAGE(worker_command({"add", name}, output) == 0, output);
        while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
        return output;
    }

    http_result call(const std::string& token, const std::string& method, const std::string& target,
                     const std::string& body = "", header_list headers = {}) const {
        headers.push_back({"Authorization", "Bearer " + token});
        return festival.call(method, target, body, headers);
    }
    http_result claim(const std::string& token, const std::string& host, int lease_seconds = 30) const {
        return call(token, "POST", "/api/worker/jobs/claim", json{{"worker", host}, {"lease_seconds", lease_seconds}}.dump());
    }
    static std::string job_url(std::int64_t id, const std::string& rest) { return "/api/worker/jobs/" + std::to_string(id) + rest; }
    http_result put(const std::string& token, std::int64_t id, const std::string& path, const std::string& bytes) const {
        return call(token, "PUT", job_url(id, "/output/" + path), bytes, {{"Content-Type", "application/octet-stream"}});
    }
    http_result finish(const std::string& token, std::int64_t id, const std::string& host, const json& files) const {
        return call(token, "POST", job_url(id, "/finish"), json{{"worker", host}, {"files", files}}.dump());
    }
    fs::path staging(std::int64_t id) const { return festival.media_dir() / std::to_string(film) / (".tmp-" + std::to_string(id)); }
    fs::path version_dir(std::int64_t id) const { return festival.media_dir() / std::to_string(film) / ("v" + std::to_string(id)); }
};

std::string error_code(const http_result& r) { return r.json()["error"]["code"]; }

}  // namespace

TEST_CASE("worker tokens are shown once, kept hashed, listed, and a revoked one is refused at once") {
    workers_festival f;
    const auto token = f.add_token("encoder-1");
    CHECK(token.size() == 43);
    CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    CHECK(f.claim(token, "host-a").status == 204);  // accepted; no job yet

    {
        auto db = f.open();
        auto row = db.prepare("SELECT token_hash FROM worker_tokens WHERE name = 'encoder-1'");
        REQUIRE(row.step());
        const auto hash = row.text(0);
        CHECK(hash.size() == 64);
        CHECK(hash != token);
        CHECK(hash.find(token) == std::string::npos);
    }
    std::string output;
    REQUIRE(f.worker_command({"list"}, output) == 0);
    const auto list = json::parse(output);
    REQUIRE(list.size() == 1);
    CHECK(list[0]["name"] == "encoder-1");
    CHECK(list[0]["active"] == true);
    CHECK(list[0]["last_seen_at"].is_string());
    CHECK(output.find(token) == std::string::npos);

    // An active name keeps its token; bad names and unknown workers are refused with a message.
    CHECK(f.worker_command({"add", "encoder-1"}, output) != 0);
    CHECK(output.find("revoke it first") != std::string::npos);
    CHECK(f.worker_command({"add", "bad/name"}, output) != 0);
    CHECK(f.worker_command({"revoke", "nobody"}, output) != 0);
    CHECK(output.find("no worker named nobody") != std::string::npos);
    CHECK(f.worker_command({"frobnicate"}, output) != 0);

    REQUIRE(f.worker_command({"revoke", "encoder-1"}, output) == 0);
    const auto refused = f.claim(token, "host-a");
    CHECK(refused.status == 401);
    CHECK(error_code(refused) == "worker_token");
    REQUIRE(f.worker_command({"list"}, output) == 0);
    CHECK(json::parse(output)[0]["active"] == false);

    // A revoked name may be given a new token; the old one stays refused.
    const auto renewed = f.add_token("encoder-1");
    CHECK(renewed != token);
    CHECK(f.claim(renewed, "host-a").status == 204);
    CHECK(f.claim(token, "host-a").status == 401);
}

TEST_CASE("a worker token opens only the worker routes, and they take nothing but a worker token") {
    workers_festival f;
    const auto token = f.add_token("encoder-1");
    const auto job = f.enqueue();
    const header_list bearer = {{"Authorization", "Bearer " + token}};
    // Elsewhere a worker token is no sign-in.
    CHECK(f.festival.call("GET", "/api/films/la-traversee/jobs", "", bearer).status == 401);
    CHECK(f.festival.call("GET", "/api/jobs/" + std::to_string(job), "", bearer).status == 401);
    CHECK(f.festival.call("POST", "/api/films", json{{"slug", "x"}}.dump(), bearer).status == 401);
    CHECK(f.festival.call("GET", "/api/stats", "", bearer).status == 401);

    // A curator's or organizer's session opens no worker route, nor does a wrong or missing token.
    const auto organizer = f.festival.organizer();
    const auto with_session = organizer.call("POST", "/api/worker/jobs/claim", json{{"worker", "h"}}.dump());
    CHECK(with_session.status == 401);
    CHECK(error_code(with_session) == "worker_token");
    CHECK(organizer.call("GET", workers_festival::job_url(job, "/output")).status == 401);
    CHECK(f.festival.call("POST", "/api/worker/jobs/claim", json{{"worker", "h"}}.dump()).status == 401);
    CHECK(f.claim(token + "x", "h").status == 401);
    CHECK(f.claim(std::string(43, 'A'), "h").status == 401);
    CHECK(f.festival.call("POST", "/api/worker/jobs/claim", json{{"worker", "h"}}.dump(), {{"Authorization", "Basic " + token}})
              .status == 401);
    CHECK(f.job(job).status == catalog::job_status::queued);  // nothing was claimed

    CHECK(f.claim(token, "h").status == 200);
}

TEST_CASE("claims: 204 with no job, the job and its inputs, transcode jobs only, never one job twice") {
    workers_festival f;
    const auto a = f.add_token("encoder-a");
    const auto b = f.add_token("encoder-b");
    CHECK(f.claim(a, "host-1").status == 204);
    CHECK(f.claim(a, "").status == 400);
    CHECK(f.claim(a, "bad host/label").status == 400);

    // A finished version, then an audio job on it: remote workers leave that one to local workers.
    std::int64_t audio = 0;
    {
        auto db = f.open();
        const auto base = catalog::enqueue_job(db, f.film, f.master.string(), {});
        REQUIRE(catalog::claim_job(db, "local", 30, catalog::unix_now()));
        REQUIRE(catalog::finish_job(db, base, "local"));
        audio = catalog::enqueue_audio_job(db, f.film, base, {});
    }
    const auto first = f.enqueue();
    const auto second = f.enqueue();

    http_result by_a, by_b;
    std::thread other([&] { by_b = f.claim(b, "host-2"); });
    by_a = f.claim(a, "host-1");
    other.join();
    REQUIRE(by_a.status == 200);
    REQUIRE(by_b.status == 200);
    const auto job_a = by_a.json()["job"]["id"].get<std::int64_t>();
    const auto job_b = by_b.json()["job"]["id"].get<std::int64_t>();
    CHECK(job_a != job_b);
    CHECK(std::set<std::int64_t>{job_a, job_b} == std::set<std::int64_t>{first, second});
    CHECK(f.claim(a, "host-3").status == 204);
    CHECK(f.job(audio).status == catalog::job_status::queued);

    const auto claimed = by_a.json();
    CHECK(claimed["job"]["status"] == "running");
    CHECK(claimed["job"]["worker"] == "encoder-a/host-1");
    CHECK(claimed["lease_seconds"] == 30);
    REQUIRE(claimed["inputs"].size() == 1);
    const auto& input = claimed["inputs"][0];
    CHECK(input["name"] == "master");
    CHECK(input["bytes"] == f.master_bytes.size());
    CHECK(input["sha256"] == sha256_of(f.master_bytes));
    CHECK(input["url"] == workers_festival::job_url(job_a, "/inputs/master"));
    CHECK(f.job(job_a).worker == std::optional<std::string>("encoder-a/host-1"));
    CHECK(fs::is_directory(f.staging(job_a)));
}

TEST_CASE("an input downloads with Range and resumes to the same bytes, for its lease holder only") {
    workers_festival f;
    const auto a = f.add_token("encoder-a");
    const auto b = f.add_token("encoder-b");
    const auto job = f.enqueue();
    const auto claimed = f.claim(a, "host-1");
    REQUIRE(claimed.status == 200);
    const auto url = claimed.json()["inputs"][0]["url"].get<std::string>();

    // The first part, as if the connection broke there, then the rest from where it stopped.
    const auto head = f.call(a, "GET", url, "", {{"Range", "bytes=0-1048575"}});
    REQUIRE(head.status == 206);
    CHECK(head.body.size() == 1048576);
    const auto rest = f.call(a, "GET", url, "", {{"Range", "bytes=" + std::to_string(head.body.size()) + "-"}});
    REQUIRE(rest.status == 206);
    CHECK(rest.header("content-range") ==
          "bytes 1048576-" + std::to_string(f.master_bytes.size() - 1) + "/" + std::to_string(f.master_bytes.size()));
    CHECK(sha256_of(head.body + rest.body) == claimed.json()["inputs"][0]["sha256"]);
    const auto whole = f.call(a, "GET", url);
    REQUIRE(whole.status == 200);
    CHECK(sha256_of(whole.body) == sha256_of(f.master_bytes));

    const auto other = f.call(b, "GET", url);
    CHECK(other.status == 409);
    CHECK(error_code(other) == "lease_lost");
    CHECK(f.call(a, "GET", workers_festival::job_url(job, "/inputs/subtitle-0")).status == 404);
    CHECK(f.call(a, "GET", workers_festival::job_url(job, "/inputs/..%2Fmaster")).status == 404);
    CHECK(f.call(a, "GET", workers_festival::job_url(999, "/inputs/master")).status == 404);
}

TEST_CASE("output sent, listed and finished: the version is published and its master plays through /media") {
    workers_festival f;
    const auto a = f.add_token("encoder-a");
    const auto job = f.enqueue();
    REQUIRE(f.claim(a, "host-1").status == 200);
    const auto version = one_rung_version();

    // Half of it, then the listing a resuming worker asks for, then the rest.
    auto it = version.files.begin();
    for (int i = 0; i < 2; ++i, ++it) {
        const auto sent = f.put(a, job, it->first, it->second);
        REQUIRE_MESSAGE(sent.status == 201, sent.body);
        CHECK(sent.json()["sha256"] == sha256_of(it->second));
    }
    const auto listed = f.call(a, "GET", workers_festival::job_url(job, "/output"));
    REQUIRE(listed.status == 200);
    CHECK(listed.json()["files"].size() == 2);
    const auto first = version.files.begin();
    CHECK(listed.json()["files"][first->first]["bytes"] == first->second.size());
    CHECK(listed.json()["files"][first->first]["sha256"] == sha256_of(first->second));
    for (; it != version.files.end(); ++it) REQUIRE(f.put(a, job, it->first, it->second).status == 201);
    CHECK(f.call(a, "GET", workers_festival::job_url(job, "/output")).json()["files"].size() == version.files.size());

    const auto heartbeat = f.call(a, "POST", workers_festival::job_url(job, "/heartbeat"),
                                  json{{"worker", "host-1"}, {"progress", {{"progress", 99.5}, {"fps", 48}, {"speed", 1.9}}}}.dump());
    REQUIRE(heartbeat.status == 200);
    CHECK(heartbeat.json()["lease_seconds"] == 30);
    CHECK(f.job(job).progress == 99.5);

    const auto finished = f.finish(a, job, "host-1", version.listing());
    REQUIRE_MESSAGE(finished.status == 200, finished.body);
    CHECK(finished.json()["version"] == job);
    CHECK(f.job(job).status == catalog::job_status::done);
    CHECK(f.finish(a, job, "host-1", version.listing()).status == 200);  // a finish sent again
    CHECK_FALSE(fs::exists(f.staging(job)));
    CHECK(read_file(f.version_dir(job) / "360p" / "seg0.m4s") == version.files.at("360p/seg0.m4s"));
    // The server's notes stay behind: the version holds exactly the files the worker listed.
    std::size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(f.version_dir(job)))
        if (entry.is_regular_file()) ++files;
    CHECK(files == version.files.size());
    {
        auto db = f.open();
        CHECK(catalog::find_film(db, f.film)->media_version == std::optional<std::int64_t>(job));
    }
    const auto master = f.festival.call("GET", signed_media_url(f.festival.dir.path(), f.film, job, "master.m3u8"));
    REQUIRE(master.status == 200);
    CHECK(master.body == version.files.at("master.m3u8"));
    const auto segment = f.festival.call("GET", signed_media_url(f.festival.dir.path(), f.film, job, "360p/seg0.m4s"));
    REQUIRE(segment.status == 200);
    CHECK(segment.body == version.files.at("360p/seg0.m4s"));
}

TEST_CASE("a finish with a missing, altered or unlisted file gets 422 and publishes nothing") {
    workers_festival f;
    const auto a = f.add_token("encoder-a");
    const auto job = f.enqueue();
    REQUIRE(f.claim(a, "host-1").status == 200);
    auto version = one_rung_version();
    for (const auto& [path, bytes] : version.files) REQUIRE(f.put(a, job, path, bytes).status == 201);
    const auto refused_with = [&](const json& listing, const std::string& code) {
        const auto r = f.finish(a, job, "host-1", listing);
        CHECK(r.status == 422);
        CHECK(error_code(r) == code);
        CHECK(f.job(job).status == catalog::job_status::running);
        CHECK_FALSE(fs::exists(f.version_dir(job)));
    };

    // Listed but never sent.
    auto listing = version.listing();
    listing.push_back({{"path", "360p/seg1.m4s"}, {"bytes", 10}, {"sha256", sha256_of("0123456789")}});
    refused_with(listing, "output_incomplete");
    // Listed with another hash than what arrived.
    listing = version.listing();
    for (auto& entry : listing)
        if (entry["path"] == "360p/seg0.m4s") entry["sha256"] = sha256_of("something else");
    refused_with(listing, "output_incomplete");
    // A segment the rung's playlist names is not listed.
    listing = json::array();
    for (const auto& entry : version.listing())
        if (entry["path"] != "360p/seg0.m4s") listing.push_back(entry);
    refused_with(listing, "output_invalid");
    // Altered on disk after it arrived.
    {
        std::fstream segment(f.staging(job) / "360p" / "seg0.m4s", std::ios::in | std::ios::out | std::ios::binary);
        segment.seekp(100);
        segment.put('\x7f' == version.files["360p/seg0.m4s"][100] ? '\x01' : '\x7f');
    }
    refused_with(version.listing(), "output_incomplete");
    REQUIRE(f.put(a, job, "360p/seg0.m4s", version.files["360p/seg0.m4s"]).status == 201);
    // A manifest that is no version.
    version.files["version.json"] = "{\"variants\": 3}";
    REQUIRE(f.put(a, job, "version.json", version.files["version.json"]).status == 201);
    refused_with(version.listing(), "output_invalid");
    auto db = f.open();
    CHECK_FALSE(catalog::find_film(db, f.film)->media_version);
}

TEST_CASE("output paths outside the version are refused") {
    workers_festival f;
    const auto a = f.add_token("encoder-a");
    const auto job = f.enqueue();
    REQUIRE(f.claim(a, "host-1").status == 200);
    for (const std::string path : {"..%2F..%2Fescape", ".hidden", "360p/.note", "a/b/c/d", "bad%20name", "a/../../b"}) {
        const auto r = f.put(a, job, path, "bytes");
        CHECK_MESSAGE(r.status == 400, path);
    }
    // Raw dot segments do not reach a file either.
    CHECK(f.put(a, job, "../../escape", "bytes").status >= 400);
    CHECK_FALSE(fs::exists(f.festival.media_dir() / "escape"));
    CHECK_FALSE(fs::exists(f.festival.media_dir() / std::to_string(f.film) / "escape"));
    CHECK(f.finish(a, job, "host-1", json::array({{{"path", "../x"}, {"bytes", 1}, {"sha256", sha256_of("x")}}})).status == 400);
    CHECK(f.call(a, "GET", workers_festival::job_url(job, "/output")).json()["files"].empty());
}

TEST_CASE("a lease that runs out is lost: the job goes to another token, the first is told 409") {
    workers_festival f;
    const auto a = f.add_token("encoder-a");
    const auto b = f.add_token("encoder-b");
    const auto job = f.enqueue();
    REQUIRE(f.claim(a, "host-1", 1).status == 200);
    REQUIRE(f.put(a, job, "version.json", "{}").status == 201);
    const auto beat = [&](const std::string& token, const std::string& host) {
        return f.call(token, "POST", workers_festival::job_url(job, "/heartbeat"), json{{"worker", host}, {"lease_seconds", 30}}.dump());
    };
    // The host that stopped renewing: once its lease ran out it is refused, a beat too.
    CHECK(eventually([&] { return f.call(a, "GET", workers_festival::job_url(job, "/output")).status == 409; },
                     std::chrono::seconds(20)));
    CHECK(beat(a, "host-1").status == 409);
    const auto taken = f.claim(b, "host-2");
    REQUIRE(taken.status == 200);
    CHECK(taken.json()["job"]["id"] == job);
    CHECK(taken.json()["job"]["attempts"] == 2);
    CHECK(f.call(b, "GET", workers_festival::job_url(job, "/output")).json()["files"].empty());  // a fresh folder

    const auto lost = beat(a, "host-1");
    CHECK(lost.status == 409);
    CHECK(error_code(lost) == "lease_lost");
    CHECK(f.put(a, job, "version.json", "{}").status == 409);
    CHECK(f.call(a, "GET", workers_festival::job_url(job, "/inputs/master")).status == 409);
    CHECK(f.finish(a, job, "host-1", json::array()).status == 409);
    CHECK(beat(b, "host-1").status == 409);  // the same token from another host is another worker
    CHECK(beat(b, "host-2").status == 200);

    // Given back, then failed for good.
    CHECK(f.call(b, "POST", workers_festival::job_url(job, "/release"), json{{"worker", "host-2"}}.dump()).status == 200);
    CHECK(f.job(job).status == catalog::job_status::queued);
    REQUIRE(f.claim(a, "host-1").status == 200);
    const auto failed = f.call(a, "POST", workers_festival::job_url(job, "/fail"),
                               json{{"worker", "host-1"}, {"reason", "bad_media: no video"}, {"permanent", true}}.dump());
    REQUIRE(failed.status == 200);
    CHECK(f.job(job).status == catalog::job_status::failed);
    CHECK(f.job(job).error == std::optional<std::string>("bad_media: no video"));
    CHECK_FALSE(fs::exists(f.staging(job)));
}
