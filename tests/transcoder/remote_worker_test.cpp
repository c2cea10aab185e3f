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

#include "catalog/database.hpp"
#include "catalog/film_json.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"
#include "tests/transcoder/media_tools.hpp"
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
