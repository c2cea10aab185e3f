// `festival-transcoder work` against a real catalog file: publication, a worker killed with kill -9,
// cancellation, refusal, and shutdown. Workers use a 2 s lease so a dead worker's job is taken over soon.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "catalog/database.hpp"
#include "catalog/film_json.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/transcoder/media_tools.hpp"
#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/media/media_layout.hpp"

extern char** environ;

using namespace festival::testing;
namespace catalog = festival::catalog;
namespace fs = std::filesystem;

namespace {

// A worker child process, stopped (SIGKILL if need be) when the test ends.
class worker_process {
public:
    worker_process(const fs::path& data_dir, const std::string& id, const std::string& preset) {
        std::vector<std::string> args = {FESTIVAL_TRANSCODER_EXE, "work", "--data-dir", data_dir.string(), "--worker-id",
                                         id, "--lease-seconds", "2", "--preset", preset};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        const auto log = (data_dir / (id + ".log")).string();
        posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        REQUIRE(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) == 0);
        posix_spawn_file_actions_destroy(&actions);
    }
    ~worker_process() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    void kill_hard() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
    int stop() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    pid_t pid_ = -1;
};

constexpr std::chrono::seconds transcode_limit{180};

struct job_fixture {
    temp_dir dir;
    festival::media::media_layout layout{dir.path()};
    catalog::database db{catalog::open_catalog(layout.catalog_db().string())};
    std::int64_t film = catalog::create_film(db, catalog::film_from_json({{"slug", "la-traversee"},
                                                                         {"original_title", "La traversée"},
                                                                         {"category", "short"}}))
                            .id;

    fs::path clip(const std::string& name, int seconds, const std::string& size) {
        const auto path = dir.path() / name;
        make_media({"-f", "lavfi", "-i", "testsrc2=s=" + size + ":r=25:d=" + std::to_string(seconds), "-f", "lavfi", "-i",
                    "sine=d=" + std::to_string(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                    "-shortest", path.string()});
        return path;
    }
    catalog::job job(std::int64_t id) { return *catalog::find_job(db, id); }
    fs::path film_dir() const { return layout.film_media(film); }
    fs::path work_dir(std::int64_t id) const { return layout.staging_dir(film, id); }
    fs::path published(std::int64_t id) const { return layout.version_dir(film, id); }
    // True once the transcoder has written its first segment for the job.
    bool writing(std::int64_t id) const {
        std::error_code ec;
        if (!fs::exists(work_dir(id), ec)) return false;
        for (auto it = fs::recursive_directory_iterator(work_dir(id), ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec))
            if (it->path().extension() == ".m4s") return true;
        return false;
    }
};

}  // namespace

TEST_CASE("a worker publishes a job as the film's new media version") {
    job_fixture f;
    const auto srt = f.dir.path() / "fr.srt";
    std::ofstream(srt) << "1\n00:00:00,500 --> 00:00:02,000\nBienvenue.\n";
    const auto id = catalog::enqueue_job(f.db, f.film, f.clip("film.mp4", 5, "320x240").string(), {{"fr", srt.string()}});
    worker_process worker(f.dir.path(), "w1", "ultrafast");
    REQUIRE(eventually([&] { return f.job(id).finished(); }, transcode_limit));
    const auto done = f.job(id);
    CHECK(done.status == catalog::job_status::done);
    CHECK(done.progress == doctest::Approx(100));
    CHECK(done.attempts == 1);
    CHECK(catalog::find_film(f.db, f.film)->media_version == id);
    CHECK(fs::exists(f.published(id) / "master.m3u8"));
    CHECK(fs::exists(f.published(id) / "poster.jpg"));
    CHECK(fs::exists(f.published(id) / "storyboard.vtt"));
    CHECK(fs::exists(f.published(id) / "subtitles" / "fr.vtt"));
    CHECK_FALSE(fs::exists(f.work_dir(id)));
    // The version's manifest, and the master generated from it: what an old reader finds in the master
    // is what the manifest says.
    const festival::media::version_layout version(f.published(id));
    REQUIRE(fs::exists(version.manifest()));
    const auto model = festival::media::read_version(version);
    const auto master = festival::media::read_text_file(version.master_playlist());
    CHECK(master == festival::media::master_playlist(model));
    auto listed = festival::media::variants_of_master(master);
    REQUIRE_FALSE(listed.empty());
    CHECK(listed.back().uri == "audio/original/index.m3u8");  // sound only, last
    listed.pop_back();
    // Video-only rungs: each variant counts the film's stereo, its only rendition, and names its codec.
    REQUIRE(model.audio_renditions.size() == 1);
    CHECK_FALSE(model.sound_in_rungs);
    const auto& stereo = model.audio_renditions[0];
    REQUIRE(listed.size() == model.variants.size());
    for (std::size_t i = 0; i < listed.size(); ++i) {
        CHECK(listed[i].uri == model.variants[i].uri);
        CHECK(listed[i].bandwidth == model.variants[i].bandwidth + stereo.bandwidth);
        CHECK(listed[i].average_bandwidth == model.variants[i].average_bandwidth + stereo.average_bandwidth);
        CHECK(listed[i].codecs == model.variants[i].codecs + ",mp4a.40.2");
    }
    CHECK(model.subtitle_languages == std::vector<std::string>{"fr"});
    CHECK(model.duration_seconds == doctest::Approx(5).epsilon(0.1));
    CHECK(worker.stop() == 0);
}

TEST_CASE("a worker killed with kill -9 mid-job: another worker takes the job after the lease and finishes it") {
    job_fixture f;
    const auto id = catalog::enqueue_job(f.db, f.film, f.clip("long.mp4", 16, "640x360").string(), {});
    {
        worker_process doomed(f.dir.path(), "doomed", "veryslow");
        REQUIRE(eventually([&] { return f.writing(id); }, transcode_limit));
        doomed.kill_hard();
    }
    CHECK(f.job(id).status == catalog::job_status::running);
    CHECK(f.job(id).worker == "doomed");
    worker_process rescuer(f.dir.path(), "rescuer", "ultrafast");
    REQUIRE(eventually([&] { return f.job(id).finished(); }, transcode_limit));
    const auto done = f.job(id);
    CHECK(done.status == catalog::job_status::done);
    CHECK(done.attempts == 2);
    CHECK(catalog::find_film(f.db, f.film)->media_version == id);
    CHECK_FALSE(fs::exists(f.work_dir(id)));
    const auto master = read_text(f.published(id) / "master.m3u8");
    const auto variants = video_variants(master);
    REQUIRE(variants.size() == 3);  // 360p, 240p, 144p
    for (const auto& v : variants) {
        const auto j = probe_json(f.published(id) / v.uri, {"-show_entries", "format=duration"});
        CHECK(std::stod(j["format"]["duration"].get<std::string>()) == doctest::Approx(16.0).epsilon(0.2 / 16));
        CHECK(keyframe_times(f.published(id) / v.uri).size() == 4);
    }
}

TEST_CASE("cancelling a running job stops its transcoder and publishes nothing, the worker goes on") {
    job_fixture f;
    const auto id = catalog::enqueue_job(f.db, f.film, f.clip("long.mp4", 16, "640x360").string(), {});
    worker_process worker(f.dir.path(), "w1", "veryslow");
    REQUIRE(eventually([&] { return f.writing(id); }, transcode_limit));
    CHECK(catalog::cancel_job(f.db, id).status == catalog::job_status::cancelled);
    REQUIRE(eventually([&] { return !fs::exists(f.work_dir(id)); }, transcode_limit));
    CHECK(f.job(id).status == catalog::job_status::cancelled);
    CHECK_FALSE(fs::exists(f.published(id)));
    CHECK_FALSE(catalog::find_film(f.db, f.film)->media_version);
    // The same worker takes the next job.
    const auto next = catalog::enqueue_job(f.db, f.film, f.clip("short.mp4", 2, "160x120").string(), {});
    REQUIRE(eventually([&] { return f.job(next).finished(); }, transcode_limit));
    CHECK(f.job(next).status == catalog::job_status::done);
    CHECK(f.job(next).worker == "w1");
}

TEST_CASE("a starting worker removes partial output of jobs that no longer run") {
    job_fixture f;
    const auto id = catalog::enqueue_job(f.db, f.film, "/nowhere.mp4", {});
    catalog::cancel_job(f.db, id);
    fs::create_directories(f.work_dir(id) / "720p");
    std::ofstream(f.work_dir(id) / "720p" / "segment_00000.m4s") << "partial";
    worker_process worker(f.dir.path(), "w1", "ultrafast");
    REQUIRE(eventually([&] { return !fs::exists(f.work_dir(id)); }, transcode_limit));
    CHECK(f.job(id).status == catalog::job_status::cancelled);
}

TEST_CASE("each new version replaces the film's media, only the last two versions stay on disk") {
    job_fixture f;
    const auto clip = f.clip("short.mp4", 2, "160x120");
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(catalog::enqueue_job(f.db, f.film, clip.string(), {}));
    worker_process worker(f.dir.path(), "w1", "ultrafast");
    REQUIRE(eventually([&] { return f.job(ids[2]).finished(); }, transcode_limit));
    for (auto id : ids) CHECK(f.job(id).status == catalog::job_status::done);
    CHECK(catalog::find_film(f.db, f.film)->media_version == ids[2]);
    CHECK_FALSE(fs::exists(f.published(ids[0])));
    CHECK(fs::exists(f.published(ids[1]) / "master.m3u8"));
    CHECK(fs::exists(f.published(ids[2]) / "master.m3u8"));
}

TEST_CASE("a job whose file is not a film fails at once with the reason") {
    job_fixture f;
    const auto text = f.dir.path() / "notes.mp4";
    std::ofstream(text) << "not a film at all\n";
    const auto id = catalog::enqueue_job(f.db, f.film, text.string(), {});
    worker_process worker(f.dir.path(), "w1", "ultrafast");
    REQUIRE(eventually([&] { return f.job(id).finished(); }, transcode_limit));
    const auto failed = f.job(id);
    CHECK(failed.status == catalog::job_status::failed);
    CHECK(failed.attempts == 1);
    REQUIRE(failed.error);
    CHECK(failed.error->rfind("not_a_film:", 0) == 0);
    CHECK_FALSE(fs::exists(f.published(id)));
    CHECK_FALSE(fs::exists(f.work_dir(id)));
}

TEST_CASE("a worker stopped with SIGTERM gives its job back to the queue") {
    job_fixture f;
    const auto id = catalog::enqueue_job(f.db, f.film, f.clip("long.mp4", 16, "640x360").string(), {});
    worker_process worker(f.dir.path(), "w1", "veryslow");
    REQUIRE(eventually([&] { return f.writing(id); }, transcode_limit));
    CHECK(worker.stop() == 0);
    const auto released = f.job(id);
    CHECK(released.status == catalog::job_status::queued);
    CHECK(released.attempts == 0);
    CHECK_FALSE(fs::exists(f.work_dir(id)));
}

TEST_CASE("a worker never publishes a version folder it did not write, and removes deleted films' media") {
    job_fixture f;
    const auto id = catalog::enqueue_job(f.db, f.film, f.clip("film.mp4", 2, "160x120").string(), {});
    // Left by something else under the same name (another catalog's ids, a deleted film…).
    fs::create_directories(f.published(id));
    std::ofstream(f.published(id) / "master.m3u8") << "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nsomeone-else.m3u8\n";
    const auto orphan = f.dir.path() / "media" / "424242";
    fs::create_directories(orphan / "v1");
    const auto orphan_sources = f.dir.path() / "sources" / "424242";
    fs::create_directories(orphan_sources);
    const auto half_deleted = f.dir.path() / "sources" / ".deleted-424241";
    fs::create_directories(half_deleted);
    worker_process worker(f.dir.path(), "w1", "ultrafast");
    REQUIRE(eventually([&] { return f.job(id).finished(); }, transcode_limit));
    CHECK(f.job(id).status == catalog::job_status::done);
    const auto master = read_text(f.published(id) / "master.m3u8");
    CHECK(master.find("someone-else") == std::string::npos);
    CHECK(master.find("RESOLUTION=160x120") != std::string::npos);
    CHECK_FALSE(fs::exists(orphan));
    CHECK_FALSE(fs::exists(orphan_sources));
    CHECK_FALSE(fs::exists(half_deleted));
}

TEST_CASE("a worker started as root transcodes as the sandbox user, which owns only what it wrote") {
    if (::geteuid() != 0) {
        MESSAGE("needs root: skipped");
        return;
    }
    const passwd* nobody = ::getpwnam("nobody");
    REQUIRE(nobody != nullptr);
    job_fixture f;
    // Files only root may read: the child opens them before it gives up root.
    const auto master = f.clip("film.mp4", 2, "160x120");
    const auto srt = f.dir.path() / "fr.srt";
    std::ofstream(srt) << "1\n00:00:00,500 --> 00:00:01,500\nBienvenue.\n";
    for (const auto& p : {master, srt}) {
        REQUIRE(::chown(p.c_str(), 0, 0) == 0);
        fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
    }
    const auto id = catalog::enqueue_job(f.db, f.film, master.string(), {{"fr", srt.string()}});
    std::vector<std::string> args = {FESTIVAL_TRANSCODER_EXE, "work", "--data-dir", f.dir.path().string(), "--once",
                                     "--preset", "ultrafast", "--sandbox-user", "nobody"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    REQUIRE(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(f.job(id).status == catalog::job_status::done);
    CHECK(catalog::find_film(f.db, f.film)->media_version == id);
    REQUIRE(fs::exists(f.published(id) / "master.m3u8"));
    CHECK(fs::exists(f.published(id) / "subtitles" / "fr.vtt"));
    int files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(f.published(id))) {
        struct stat facts {};
        REQUIRE(::lstat(entry.path().c_str(), &facts) == 0);
        INFO(entry.path().string());
        CHECK(facts.st_uid == nobody->pw_uid);
        ++files;
    }
    CHECK(files > 5);
    // The master stays root's, and the child could not have written beside the work folder.
    struct stat facts {};
    REQUIRE(::stat(master.c_str(), &facts) == 0);
    CHECK(facts.st_uid == 0);
    for (const auto& entry : fs::directory_iterator(f.film_dir())) CHECK(entry.path() == f.published(id));
}

namespace {

ino_t inode_of(const fs::path& file) {
    struct stat facts {};
    REQUIRE(::stat(file.c_str(), &facts) == 0);
    return facts.st_ino;
}

fs::path tone(const fs::path& dir, const std::string& name, int frequency, int seconds) {
    const auto path = dir / name;
    make_media({"-f", "lavfi", "-i", "sine=f=" + std::to_string(frequency) + ":d=" + std::to_string(seconds), path.string()});
    return path;
}

}  // namespace

TEST_CASE("an audio job reuses its base version's video files and rebuilds the audio renditions with its tracks") {
    job_fixture f;
    // A transcode job with a dub: the new master carries it.
    const auto dub = tone(f.dir.path(), "dub.wav", 220, 4);
    const auto base = catalog::enqueue_job(f.db, f.film, f.clip("film.mp4", 4, "320x240").string(), {},
                                           {{1, "de", "dub", "", dub.string()}});
    worker_process worker(f.dir.path(), "w1", "ultrafast");
    REQUIRE(eventually([&] { return f.job(base).finished(); }, transcode_limit));
    REQUIRE_MESSAGE(f.job(base).status == catalog::job_status::done, f.job(base).error.value_or(""));
    const festival::media::version_layout before(f.published(base));
    CHECK(read_text(before.master_playlist()).find("URI=\"audio/dub-de/index.m3u8\"") != std::string::npos);
    std::map<std::string, ino_t> video_files;
    for (const auto& entry : fs::recursive_directory_iterator(before.root()))
        if (entry.is_regular_file() && entry.path().parent_path().filename().string().ends_with("p"))
            video_files[fs::relative(entry.path(), before.root()).string()] = inode_of(entry.path());
    REQUIRE(video_files.count("240p/segment_00000.m4s"));
    REQUIRE(video_files.count("144p/init.mp4"));
    const auto stereo_segment = inode_of(before.root() / "audio/original/segment_00000.m4s");

    // The dub replaced by an audio description: no re-encoding, the same files under a new version.
    const auto description = tone(f.dir.path(), "description.wav", 880, 4);
    const auto id = catalog::enqueue_audio_job(f.db, f.film, base, {{2, "fr", "description", "", description.string()}});
    REQUIRE(eventually([&] { return f.job(id).finished(); }, transcode_limit));
    REQUIRE_MESSAGE(f.job(id).status == catalog::job_status::done, f.job(id).error.value_or(""));
    CHECK(catalog::find_film(f.db, f.film)->media_version == id);
    const festival::media::version_layout after(f.published(id));
    for (const auto& file : video_files) {
        CAPTURE(file.first);
        CHECK(inode_of(after.root() / file.first) == file.second);
    }
    CHECK(inode_of(after.root() / "audio/original/segment_00000.m4s") == stereo_segment);
    const auto model = festival::media::read_version(after);
    std::vector<std::string> ids;
    for (const auto& r : model.audio_renditions) ids.push_back(r.id);
    CHECK(ids == std::vector<std::string>{"original", "description-fr"});
    CHECK_FALSE(fs::exists(after.audio_rendition_dir("dub-de")));
    const auto master = read_text(after.master_playlist());
    CHECK(master == festival::media::master_playlist(model));
    CHECK(master.find("CHARACTERISTICS=\"public.accessibility.describes-video\",URI=\"audio/description-fr/index.m3u8\"") !=
          std::string::npos);
    CHECK(probe_json(after.audio_playlist("description-fr"), {"-show_streams"})["streams"][0]["codec_name"] == "aac");
    CHECK(catalog::job_to_json(f.job(id))["kind"] == "audio");
    CHECK(worker.stop() == 0);
}

TEST_CASE("an audio job with a track not aligned to the film fails with its reason, and publishes nothing") {
    job_fixture f;
    const auto base = catalog::enqueue_job(f.db, f.film, f.clip("film.mp4", 3, "160x120").string(), {});
    worker_process worker(f.dir.path(), "w1", "ultrafast");
    REQUIRE(eventually([&] { return f.job(base).finished(); }, transcode_limit));
    REQUIRE(f.job(base).status == catalog::job_status::done);
    const auto long_track = tone(f.dir.path(), "long.wav", 880, 9);
    const auto id = catalog::enqueue_audio_job(f.db, f.film, base, {{3, "fr", "description", "", long_track.string()}});
    REQUIRE(eventually([&] { return f.job(id).finished(); }, transcode_limit));
    const auto failed = f.job(id);
    CHECK(failed.status == catalog::job_status::failed);
    CHECK(failed.attempts == 1);  // permanent: retrying cannot align it
    REQUIRE(failed.error);
    CHECK(failed.error->find("audio_misaligned") != std::string::npos);
    CHECK(failed.error->find("aligned to the film") != std::string::npos);
    CHECK_FALSE(fs::exists(f.published(id)));
    CHECK_FALSE(fs::exists(f.work_dir(id)));
    CHECK(catalog::find_film(f.db, f.film)->media_version == base);
}

TEST_CASE("an audio job on a version whose rungs carry the sound fails for good and publishes nothing") {
    job_fixture f;
    const auto base = catalog::enqueue_job(f.db, f.film, f.clip("film.mp4", 3, "160x120").string(), {});
    worker_process worker(f.dir.path(), "w1", "ultrafast");
    REQUIRE(eventually([&] { return f.job(base).finished(); }, transcode_limit));
    REQUIRE(f.job(base).status == catalog::job_status::done);
    // As a version published before video-only rungs says it: a manifest without the marker.
    const festival::media::version_layout published(f.published(base));
    auto manifest = nlohmann::json::parse(read_text(published.manifest()));
    REQUIRE(manifest.contains("sound_in_rungs"));
    manifest.erase("sound_in_rungs");
    manifest["audio_renditions"] = nlohmann::json::array();
    std::ofstream(published.manifest()) << manifest.dump();
    REQUIRE(festival::media::read_version(published).sound_in_rungs);

    const auto track = tone(f.dir.path(), "description.wav", 880, 3);
    const auto id = catalog::enqueue_audio_job(f.db, f.film, base, {{4, "fr", "description", "", track.string()}});
    REQUIRE(eventually([&] { return f.job(id).finished(); }, transcode_limit));
    const auto failed = f.job(id);
    CHECK(failed.status == catalog::job_status::failed);
    CHECK(failed.attempts == 1);  // permanent: only a new transcode of the master can help
    REQUIRE(failed.error);
    CHECK(failed.error->find("sound_in_video") != std::string::npos);
    CHECK(failed.error->find("transcode the master again") != std::string::npos);
    CHECK_FALSE(fs::exists(f.published(id)));
    CHECK_FALSE(fs::exists(f.work_dir(id)));
    CHECK(catalog::find_film(f.db, f.film)->media_version == base);
    CHECK(worker.stop() == 0);
}
