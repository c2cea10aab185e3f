// kill -9 at random moments of publishing (seeded, so a failure can be replayed): after each, the
// version the catalog names is whole on disk and served, and every version folder on disk is one
// the catalog knows (published, or the job the killed process was running).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "catalog/database.hpp"
#include "catalog/jobs.hpp"
#include "tests/faults/fault_site.hpp"
#include "tests/support/eventually.hpp"

extern char** environ;

using namespace festival::testing;
namespace catalog = festival::catalog;
namespace fs = std::filesystem;

namespace {

constexpr unsigned seed = 20260613;

constexpr std::chrono::seconds recovery_limit{20};

pid_t start_worker(const fault_site& site, const std::string& id) {
    std::vector<std::string> args = {festival_transcoder_exe(), "work", "--data-dir", site.data.string(),
                                     "--worker-id", id, "--lease-seconds", "1", "--preset", "ultrafast"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const auto log = (site.outside.path() / "worker.log").string();
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = -1;
    REQUIRE(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

// The catalog and the media folder agree: the current version is whole, no version folder is unknown.
void require_agreement(const fault_site& site, std::int64_t film) {
    const auto current = site.media_version(film);
    REQUIRE(current);
    require_whole_on_disk(site, film, *current);
    catalog::database db(site.catalog_path());
    for (const auto& name : site.folders_of(film)) {
        if (name.starts_with(".tmp-")) continue;  // hidden work folders: never served
        REQUIRE(name.starts_with("v"));
        const auto job = catalog::find_job(db, std::stoll(name.substr(1)));
        REQUIRE_MESSAGE(job, name << " is a folder no job made");
        CHECK(job->film_id == film);
        // Done, or renamed into place by a process killed before it told the catalog.
        CHECK_MESSAGE((job->status == catalog::job_status::done || job->status == catalog::job_status::running), name << " belongs to a " << catalog::to_string(job->status) << " job");
    }
}

}  // namespace

TEST_CASE("transcoder workers killed with kill -9 at random moments: the catalog and the media folder agree") {
    fault_site site(96);
    const auto clip = site.clip("premiere.mp4", 2, "160x120");
    const auto film = site.published_film("premiere", clip);
    site.start_server();
    const auto longer = site.clip("longer.mp4", 4, "320x240");
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> moment_ms(30, 1500);
    std::vector<std::int64_t> jobs;
    for (int round = 0; round < 5; ++round) {
        jobs.push_back(site.enqueue(film, longer));
        const auto pid = start_worker(site, "doomed-" + std::to_string(round));
        const int moment = moment_ms(random);
        INFO("seed ", seed, " round ", round, " killed after ", moment, " ms");
        std::this_thread::sleep_for(std::chrono::milliseconds(moment));
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        require_agreement(site, film);
        const auto current = *site.media_version(film);
        CHECK(eventually([&] {
            return http_call(site.server->port(), "GET",
                             site.media_url(film, current, "master.m3u8"))
                       .status == 200;
        }, recovery_limit));
    }
    // Leases run out, a worker takes every job left and publishes the newest.
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    REQUIRE(site.run_worker_once("rescuer") == 0);
    // A job whose worker was killed on each of its allowed attempts is given up, and says why.
    for (const auto job : jobs)
        CHECK_MESSAGE((site.job_status(job) == "done" ||
                       (site.job_status(job) == "failed" &&
                        site.job_error(job).find("stopped responding") != std::string::npos)),
                      job, ": ", site.job_error(job));
    CHECK(site.job_status(jobs.back()) == "done");  // killed once at most: the rescuer finished it
    site.publish_pending(film, jobs.back());  // a new master of a published film waits for a curator
    CHECK(site.media_version(film) == jobs.back());
    require_agreement(site, film);
    for (const auto& name : site.folders_of(film)) CHECK_MESSAGE(!name.starts_with(".tmp-"), name);
    CHECK(eventually([&] {
        return http_call(site.server->port(), "GET",
                         site.media_url(film, jobs.back(), "master.m3u8"))
                   .status == 200;
    }, recovery_limit));
    require_served_whole(site.server->port(), site, film, jobs.back());
}

TEST_CASE("the server killed with kill -9 while it re-packages subtitles: the catalog and the media folder agree") {
    fault_site site(64);
    const auto film = site.published_film("premiere", site.clip("premiere.mp4", 2, "160x120"));
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> moment_us(0, 30000);
    for (int round = 0; round < 4; ++round) {
        site.start_server();
        const auto curator = site.curator();
        const int moment = moment_us(random);
        INFO("seed ", seed, " round ", round, " killed after ", moment, " us");
        std::thread put([&] {
            try {
                curator.call("PUT", "/api/films/premiere/subtitles/fr",
                             "1\n00:00:00,500 --> 00:00:01,500\nRound " + std::to_string(round) + ".\n");
            } catch (const std::exception&) {
                // The connection died with the server.
            }
        });
        std::this_thread::sleep_for(std::chrono::microseconds(moment));
        site.server->kill_hard();
        put.join();
        site.stop_server();
        require_agreement(site, film);
    }
    site.start_server();
    const auto current = *site.media_version(film);
    require_served_whole(site.server->port(), site, film, current);
    // And the festival takes changes again.
    const auto curator = site.curator();
    const auto stored = curator.call("PUT", "/api/films/premiere/subtitles/fr", "1\n00:00:00,500 --> 00:00:01,500\nEnfin.\n");
    CHECK(stored.status == 201);
    require_agreement(site, film);
}
