// `festival-transcoder work --server`: a worker on another host, through the server's worker API. What
// needs no server (names, listings, resume offsets, the token) is checked directly; the rest against a
// real `festival serve`.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "catalog/database.hpp"
#include "catalog/film_json.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/festival_fixture.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"
#include "tests/transcoder/media_tools.hpp"
#include "tests/uploads/tus_client.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/remote/remote_files.hpp"

extern char** environ;

using namespace festival::testing;
using namespace festival::transcoder::remote;
namespace catalog = festival::catalog;
namespace fs = std::filesystem;

namespace {

const std::string sha256_of_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// A `festival-transcoder work` child, its stderr in `log`, stopped (SIGKILL if need be) at the end.
class transcoder_process {
public:
    transcoder_process(std::vector<std::string> args, const fs::path& log) {
        args.insert(args.begin(), {FESTIVAL_TRANSCODER_EXE, "work"});
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        REQUIRE(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
    }
    ~transcoder_process() {
        if (pid_ > 0) kill_hard();
    }
    // SIGTERM, then the exit code (-1 when it does not exit within `limit`).
    int stop(std::chrono::seconds limit) {
        ::kill(pid_, SIGTERM);
        return wait_exit(limit);
    }
    void kill_hard() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    // The exit code once it exits by itself, or -1 after `limit`.
    int wait_exit(std::chrono::seconds limit) {
        int status = 0;
        const bool exited = eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, limit);
        if (!exited) return -1;
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    pid_t pid_ = -1;
};

constexpr std::chrono::seconds transcode_limit{180};

std::string festival_exe() { return (fs::path(FESTIVAL_TRANSCODER_EXE).parent_path() / "festival").string(); }

// A server with no local transcoders, one film and one queued transcode job of a small real film; worker
// tokens made with `festival worker add`. The workers it starts know only the server's URL.
struct remote_fixture {
    festival_fixture festival{fixture_options().with_flags({"--access-log", "on"})};
    temp_dir hosts;  // each worker's own folder: nothing of the server's data folder
    std::int64_t film = 0;
    std::int64_t job = 0;
    fs::path master;

    // The film's master made by ffmpeg and uploaded by its curator (tus), so the server queues its job.
    remote_fixture(int seconds, const std::string& size) {
        const auto curator = festival.curator();
        const auto created = curator.call("POST", "/api/films",
            nlohmann::json{{"slug", "loin"}, {"original_title", "Loin"}, {"category", "short"}, {"published", true}}.dump());
        REQUIRE(created.status == 201);
        film = created.json()["id"].get<std::int64_t>();
        master = hosts.path() / "master.mp4";
        make_media({"-f", "lavfi", "-i", "testsrc2=s=" + size + ":r=25:d=" + std::to_string(seconds), "-f", "lavfi", "-i",
                    "sine=d=" + std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                    "-shortest", master.string()});
        const auto bytes = read_text(master);
        const tus_client tus{curator};
        const auto upload = tus.create("loin", static_cast<std::int64_t>(bytes.size()), "master.mp4");
        REQUIRE(tus.patch(upload, 0, bytes).status == 204);
        const auto settled = tus.settled(upload);
        REQUIRE(settled["job_id"].is_number());
        job = settled["job_id"].get<std::int64_t>();
    }

    // `festival worker add NAME`: the token it prints, in a file only its owner reads.
    fs::path token_file(const std::string& name) {
        std::string output;
        REQUIRE(run_command({festival_exe(), "worker", "add", name, "--data-dir", festival.dir.path().string()}, output) == 0);
        std::string token;
        std::istringstream lines(output);
        for (std::string line; std::getline(lines, line);)
            if (line.size() == 43) token = line;
        REQUIRE(token.size() == 43);
        const auto file = hosts.path() / (name + ".token");
        write_file(file, token + "\n");
        fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
        return file;
    }

    std::unique_ptr<transcoder_process> worker(const std::string& host, const fs::path& token, const std::string& preset) {
        return std::make_unique<transcoder_process>(
            std::vector<std::string>{"--server", "http://127.0.0.1:" + std::to_string(festival.port()), "--token-file",
                                     token.string(), "--work-dir", work_dir(host).string(), "--worker-id", host,
                                     "--lease-seconds", "3", "--preset", preset},
            hosts.path() / (host + ".log"));
    }
    fs::path work_dir(const std::string& host) const { return hosts.path() / host; }
    fs::path job_dir(const std::string& host) const { return work_dir(host) / ("job-" + std::to_string(job)); }
    std::string log(const std::string& host) const { return read_text(hosts.path() / (host + ".log")); }

    nlohmann::json job_json() const {
        return festival.curator().call("GET", "/api/jobs/" + std::to_string(job)).json();
    }
    bool finished() const {
        const auto status = job_json()["status"];
        return status == "done" || status == "failed" || status == "cancelled";
    }
    // True once the worker's transcode wrote its first segment.
    bool writing(const std::string& host) const {
        std::error_code ec;
        const auto out = job_dir(host) / "output";
        if (!fs::exists(out, ec)) return false;
        for (auto it = fs::recursive_directory_iterator(out, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
            if (it->path().extension() == ".m4s") return true;
        return false;
    }

    // The film's master as a viewer gets it, one of its rungs and that rung's first segment.
    void check_plays() const {
        const auto film_json = festival.curator().call("GET", "/api/films/loin").json();
        REQUIRE(film_json["media"].contains("master"));
        const auto master_url = film_json["media"]["master"].get<std::string>();
        const auto master_answer = festival.call("GET", master_url);
        REQUIRE(master_answer.status == 200);
        const auto variants = video_variants(master_answer.body);
        REQUIRE_FALSE(variants.empty());
        const auto base = master_url.substr(0, master_url.rfind('/') + 1);
        const auto rung_url = base + variants.front().uri;
        const auto rung = festival.call("GET", rung_url);
        REQUIRE(rung.status == 200);
        std::string segment;
        std::istringstream lines(rung.body);
        for (std::string line; std::getline(lines, line);)
            if (!line.empty() && line[0] != '#') {
                segment = line;
                break;
            }
        REQUIRE_FALSE(segment.empty());
        const auto rung_base = rung_url.substr(0, rung_url.rfind('/') + 1);
        const auto segment_answer = festival.call("GET", rung_base + segment);
        CHECK(segment_answer.status == 200);
        CHECK(segment_answer.body.size() > 1000);
    }

    // The server's access log lines for `path`.
    std::vector<nlohmann::json> requests_for(const std::string& path) const {
        std::vector<nlohmann::json> found;
        std::istringstream lines(festival.server->output());
        for (std::string line; std::getline(lines, line);) {
            const auto entry = nlohmann::json::parse(line, nullptr, false);
            if (entry.is_object() && entry.contains("method") && entry.value("path", "") == path) found.push_back(entry);
        }
        return found;
    }
};

}  // namespace

TEST_CASE("an output path is segments of letters, digits, dots, dashes and underscores, never . or ..") {
    CHECK(valid_output_path("master.m3u8"));
    CHECK(valid_output_path("1080p/segment_00001.m4s"));
    CHECK(valid_output_path("audio/original/index.m3u8"));
    CHECK_FALSE(valid_output_path(""));
    CHECK_FALSE(valid_output_path("/master.m3u8"));
    CHECK_FALSE(valid_output_path("1080p/"));
    CHECK_FALSE(valid_output_path("a//b"));
    CHECK_FALSE(valid_output_path("../v3/master.m3u8"));
    CHECK_FALSE(valid_output_path("a/./b"));
    CHECK_FALSE(valid_output_path("sous titres/fr.vtt"));
    CHECK_FALSE(valid_output_path("a\\b"));
    CHECK(valid_input_name("master"));
    CHECK(valid_input_name("subtitle-0"));
    CHECK(valid_input_name("audio-12"));
    CHECK_FALSE(valid_input_name("audio-"));
    CHECK_FALSE(valid_input_name("subtitle-1/../../x"));
    CHECK_FALSE(valid_input_name("../master"));
}

TEST_CASE("a download resumes at what the partial file holds, and starts over when it holds more than the input") {
    temp_dir dir;
    const auto partial = dir.path() / "master";
    CHECK(resume_offset(partial, 100) == 0);
    write_file(partial, std::string(40, 'x'));
    CHECK(resume_offset(partial, 100) == 40);
    CHECK(resume_offset(partial, 40) == 40);  // whole: nothing left to ask for
    CHECK(resume_offset(partial, 39) == 0);   // not a prefix of this input
}

TEST_CASE("an output folder is listed with sizes and SHA-256, and only what the server lacks or holds otherwise is sent") {
    temp_dir dir;
    const auto out = dir.path() / "output";
    fs::create_directories(out / "360p");
    write_file(out / "version.json", "abc");
    write_file(out / "360p" / "index.m3u8", "#EXTM3U\n");
    write_file(out / "360p" / "segment_00001.m4s", std::string(1000, 's'));
    const auto local = list_output(out);
    REQUIRE(local.size() == 3);
    CHECK(local.at("version.json") == file_facts{3, sha256_of_abc});
    CHECK(local.at("360p/segment_00001.m4s").bytes == 1000);

    // The server has the manifest, a different playlist (an older attempt), and nothing else.
    const auto server = listing_from_json(nlohmann::json::parse(R"({"files":{
        "version.json":{"bytes":3,"sha256":")" + sha256_of_abc + R"("},
        "360p/index.m3u8":{"bytes":8,"sha256":"00"},
        "broken":{"bytes":"many"}}})"));
    CHECK(server.size() == 2);  // an entry it cannot read is as good as missing
    CHECK(files_to_upload(local, server) == std::vector<std::string>{"360p/index.m3u8", "360p/segment_00001.m4s"});
    CHECK(files_to_upload(local, local).empty());
    CHECK(files_to_upload(local, {}).size() == 3);
    const auto finish = listing_to_json(local);
    REQUIRE(finish.size() == 3);
    CHECK(finish[2] == nlohmann::json{{"path", "version.json"}, {"bytes", 3}, {"sha256", sha256_of_abc}});

    // A file the server would refuse stops the upload before anything is sent.
    write_file(out / "360p" / "bad name.m4s", "x");
    CHECK_THROWS_WITH(list_output(out), doctest::Contains("bad name.m4s"));
}

TEST_CASE("a remote worker without a token exits at once and says how to give one") {
    temp_dir dir;
    ::unsetenv("FESTIVAL_WORKER_TOKEN");
    const auto result = run_transcoder({"work", "--server", "http://127.0.0.1:9", "--work-dir", (dir.path() / "w").string()});
    CHECK(result.exit_code != 0);
    CHECK(result.err.find("--token-file FILE or FESTIVAL_WORKER_TOKEN") != std::string::npos);
    const auto missing = run_transcoder({"work", "--server", "http://127.0.0.1:9", "--work-dir", (dir.path() / "w").string(),
                                         "--token-file", (dir.path() / "absent").string()});
    CHECK(missing.exit_code != 0);
    CHECK(missing.err.find("cannot read --token-file") != std::string::npos);
}

TEST_CASE("a local worker opens the catalog its --catalog names, not the data folder's catalog.db") {
    temp_dir dir;
    const auto location = festival::test::fresh_catalog_location(dir.path() / "elsewhere");
    fs::create_directories(dir.path() / "elsewhere");
    auto db = catalog::open_catalog(location);
    const auto film = catalog::create_film(db, catalog::film_from_json({{"slug", "ailleurs"}, {"original_title", "Ailleurs"},
                                                                        {"category", "short"}}))
                          .id;
    const auto clip = dir.path() / "film.mp4";
    make_media({"-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=2", "-f", "lavfi", "-i", "sine=d=2", "-c:v", "libx264",
                "-preset", "ultrafast", "-c:a", "aac", "-shortest", clip.string()});
    const auto id = catalog::enqueue_job(db, film, clip.string(), {});
    const auto data = dir.path() / "data";
    const auto result = run_transcoder({"work", "--data-dir", data.string(), "--catalog", location, "--once",
                                        "--lease-seconds", "3", "--preset", "ultrafast", "--worker-id", "local"});
    CHECK(result.exit_code == 0);
    CHECK(catalog::find_job(db, id)->status == catalog::job_status::done);
    CHECK(fs::exists(festival::media::media_layout(data).version_dir(film, id) / "master.m3u8"));
    CHECK_FALSE(fs::exists(data / "catalog.db"));
}

TEST_CASE("a remote worker with only the server's URL transcodes a film, whose version then plays") {
    remote_fixture f(3, "320x240");
    const auto worker = f.worker("host-a", f.token_file("studio-a"), "ultrafast");
    REQUIRE(eventually([&] { return f.finished(); }, transcode_limit));
    const auto done = f.job_json();
    CHECK(done["status"] == "done");
    CHECK(done["attempts"] == 1);
    CHECK(done["worker"] == "studio-a/host-a");
    f.check_plays();
    // The job's inputs and output are gone from the worker's folder once the server has the version.
    CHECK(eventually([&] { return !fs::exists(f.job_dir("host-a")); }, std::chrono::seconds(10)));
    const auto inputs = f.requests_for("/api/worker/jobs/" + std::to_string(f.job) + "/inputs/master");
    REQUIRE(inputs.size() == 1);
    CHECK(inputs[0]["status"] == 200);
}

TEST_CASE("a remote worker killed mid-job loses its lease and a worker on another host finishes the job") {
    remote_fixture f(8, "640x360");
    {
        const auto doomed = f.worker("host-a", f.token_file("studio-a"), "veryslow");
        REQUIRE(eventually([&] { return f.writing("host-a"); }, transcode_limit));
        doomed->kill_hard();
    }
    CHECK(f.job_json()["status"] == "running");
    CHECK(f.job_json()["worker"] == "studio-a/host-a");
    const auto rescuer = f.worker("host-b", f.token_file("studio-b"), "ultrafast");
    REQUIRE(eventually([&] { return f.finished(); }, transcode_limit));
    const auto done = f.job_json();
    CHECK(done["status"] == "done");
    CHECK(done["attempts"] == 2);
    CHECK(done["worker"] == "studio-b/host-b");
    f.check_plays();
}

TEST_CASE("an input download cut short resumes with a Range request where the partial file ends") {
    remote_fixture f(3, "320x240");
    const auto bytes = read_text(f.master);
    const auto half = bytes.size() / 2;
    // What a worker killed mid-download leaves: the first half of the master in its job's folder.
    fs::create_directories(f.job_dir("host-a") / "inputs");
    write_file(f.job_dir("host-a") / "inputs" / "master", bytes.substr(0, half));
    const auto worker = f.worker("host-a", f.token_file("studio-a"), "ultrafast");
    REQUIRE(eventually([&] { return f.finished(); }, transcode_limit));
    CHECK(f.job_json()["status"] == "done");
    const auto inputs = f.requests_for("/api/worker/jobs/" + std::to_string(f.job) + "/inputs/master");
    REQUIRE(inputs.size() == 1);
    CHECK(inputs[0]["status"] == 206);
    CHECK(inputs[0]["bytes"] == bytes.size() - half);
    CHECK(f.log("host-a").find("\"resumed_from\":" + std::to_string(half)) != std::string::npos);
    f.check_plays();
}

TEST_CASE("a remote worker whose token the server refuses exits non-zero and says so") {
    remote_fixture f(1, "160x120");
    const auto wrong = f.hosts.path() / "wrong.token";
    write_file(wrong, std::string(43, 'A') + "\n");
    transcoder_process worker({"--server", "http://127.0.0.1:" + std::to_string(f.festival.port()), "--token-file",
                               wrong.string(), "--work-dir", f.work_dir("host-a").string()},
                              f.hosts.path() / "wrong.log");
    CHECK(worker.wait_exit(std::chrono::seconds(30)) == 1);
    CHECK(read_text(f.hosts.path() / "wrong.log").find("the server refused the worker token (401 worker_token") !=
          std::string::npos);
    CHECK(f.job_json()["status"] == "queued");
}

TEST_CASE("a remote worker stopped mid-job gives the job back without counting the attempt and leaves no files") {
    remote_fixture f(8, "640x360");
    const auto worker = f.worker("host-a", f.token_file("studio-a"), "veryslow");
    REQUIRE(eventually([&] { return f.writing("host-a"); }, transcode_limit));
    CHECK(worker->stop(std::chrono::seconds(30)) == 0);
    const auto job = f.job_json();
    CHECK(job["status"] == "queued");
    CHECK(job["attempts"] == 0);
    CHECK_FALSE(fs::exists(f.job_dir("host-a")));
}
