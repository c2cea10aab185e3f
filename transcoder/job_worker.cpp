#include "transcoder/job_worker.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/job_publication.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"
#include "transcoder/process/child_process.hpp"
#include "transcoder/process/resource_limits.hpp"
#include "transcoder/audio_tracks.hpp"
#include "transcoder/film_transcode.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/media/media_folders.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/media/version_links.hpp"
#include "transcoder/media/version_publisher.hpp"
#include "transcoder/process/log_event.hpp"
#include "transcoder/sandbox.hpp"

namespace festival::transcoder {
namespace {

namespace fs = std::filesystem;

volatile sig_atomic_t stop_requested = 0;
void on_stop_signal(int) { stop_requested = 1; }

void write_line(int fd, const nlohmann::json& value) {
    const auto line = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::size_t written = 0;
    while (written < line.size()) {
        const auto n = ::write(fd, line.data() + written, line.size() - written);
        if (n <= 0) return;
        written += static_cast<std::size_t>(n);
    }
}

// While still root, what a child that becomes `user` needs: the work folder, owned by that user and
// made the current directory (its parents may be closed to the user, and every file the child writes
// lands there), the input master opened, the subtitle files read. The user can open nothing else.
void prepare_unprivileged_transcode(transcode_options& o, const std::string& user) {
    const auto [uid, gid] = find_sandbox_user(user);
    fs::create_directories(o.work_dir);
    if (::chown(o.work_dir.c_str(), uid, gid) != 0 || ::chdir(o.work_dir.c_str()) != 0)
        throw std::runtime_error("cannot prepare " + o.work_dir.string() + ": " + std::strerror(errno));
    o.work_dir = ".";
    o.input_fd = ::open(o.input.c_str(), O_RDONLY | O_CLOEXEC);  // closed when the child exits
    if (o.input_fd < 0) throw media_error("unreadable", "cannot read " + o.input);
    for (auto& s : o.subtitles) {
        std::ifstream in(s.path, std::ios::binary);
        if (!in) throw media_error("bad_subtitles", "subtitles " + s.lang + ": cannot read subtitle file " + s.path);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        if (bytes.str().size() > 10 * 1024 * 1024)
            throw media_error("bad_subtitles", "subtitles " + s.lang + ": subtitle file larger than 10 MB");
        s.text = bytes.str();
    }
}

// The job's audio tracks, each opened now (before the sandbox, possibly as root): the child reads them
// through these descriptors, closed when it exits.
std::vector<audio_track_file> open_audio_tracks(const catalog::job& job) {
    std::vector<audio_track_file> tracks;
    for (const auto& t : job.audio_tracks) {
        audio_track_file file{t.lang, t.role, t.name, t.path, ::open(t.path.c_str(), O_RDONLY | O_CLOEXEC)};
        if (file.fd < 0) throw media_error("unreadable", "cannot read the audio track " + t.path);
        tracks.push_back(std::move(file));
    }
    return tracks;
}

// The forked child: transcodes one job into `work_dir`, reporting on `fd`, and never returns.
[[noreturn]] void transcode_child(const catalog::job& job, const fs::path& work_dir, const worker_options& options,
                                  int fd, pid_t worker) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != worker) ::_exit(1);
    // Only the report pipe: not the catalog, nor anything the server let through.
    process::close_inherited_descriptors({fd});
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    transcode_options o;
    o.input = job.source_path;
    o.work_dir = work_dir;
    for (const auto& s : job.subtitles) o.subtitles.push_back({s.lang, s.path, {}});
    try {
        const bool own_user = ::geteuid() == 0 && !options.sandbox_user.empty();
        process::apply_caps(transcode_caps(options.max_output_file_bytes));
        o.audio_tracks = open_audio_tracks(job);
        if (own_user) prepare_unprivileged_transcode(o, options.sandbox_user);
        // As root: its own user, which owns only the work folder. Otherwise the worker's user.
        enter_sandbox({.user = own_user ? options.sandbox_user : ""});
    } catch (const media_error& e) {
        write_line(fd, {{"error", e.code() + ": " + e.what()}, {"permanent", true}});
        ::_exit(2);
    } catch (const std::exception& e) {
        write_line(fd, {{"error", e.what()}, {"permanent", false}});
        ::_exit(1);
    }
    const encoder_settings& encoding = options.encoding;
    o.encoding = encoding;
    o.on_progress = [fd](const transcode_progress& p) {
        write_line(fd, {{"percent", p.percent}, {"fps", p.fps},
                        {"eta_seconds", p.eta_seconds ? nlohmann::json(*p.eta_seconds) : nlohmann::json(nullptr)}});
    };
    // CPU time: thirty times the film's duration, at least ten minutes.
    o.on_probed = [](const media_info& info) {
        const auto seconds = static_cast<rlim_t>(std::max(600.0, info.duration_seconds * 30));
        process::lower_limit(RLIMIT_CPU, seconds, seconds + 5);
    };
    int code = 0;
    try {
        transcode_film(o);
        write_line(fd, {{"done", true}});
    } catch (const media_error& e) {
        write_line(fd, {{"error", e.code() + ": " + e.what()}, {"permanent", true}});
        code = 2;
    } catch (const std::exception& e) {
        write_line(fd, {{"error", e.what()}, {"permanent", false}});
        code = 1;
    }
    ::close(fd);
    ::_exit(code);  // no destructors: the parent's catalog connection is not ours
}

// The forked child of an audio job: `work_dir` already holds the base version's files (hard links);
// it encodes the job's tracks into it and writes the manifest and master. Never returns.
[[noreturn]] void audio_child(const catalog::job& job, const fs::path& work_dir, media::hls_version version,
                              const worker_options& options, int fd, pid_t worker) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != worker) ::_exit(1);
    process::close_inherited_descriptors({fd});
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    auto fail = [fd](const std::string& error, bool permanent) {
        write_line(fd, {{"error", error}, {"permanent", permanent}});
        ::close(fd);
        ::_exit(permanent ? 2 : 1);
    };
    std::vector<audio_track_file> tracks;
    fs::path folder = work_dir;
    try {
        const bool own_user = ::geteuid() == 0 && !options.sandbox_user.empty();
        process::apply_caps(transcode_caps(options.max_output_file_bytes));
        tracks = open_audio_tracks(job);
        const media::version_layout work(work_dir);
        fs::create_directories(work.audio_dir());
        if (own_user) {
            // The user may write the new renditions, the manifest and the master, never the linked files.
            const auto [uid, gid] = find_sandbox_user(options.sandbox_user);
            if (::chown(work_dir.c_str(), uid, gid) != 0 || ::chown(work.audio_dir().c_str(), uid, gid) != 0 ||
                ::chdir(work_dir.c_str()) != 0)
                throw std::runtime_error("cannot prepare " + work_dir.string() + ": " + std::strerror(errno));
            folder = ".";
        }
        enter_sandbox({.user = own_user ? options.sandbox_user : ""});
    } catch (const media_error& e) {
        fail(e.code() + ": " + e.what(), true);
    } catch (const std::exception& e) {
        fail(e.what(), false);
    }
    // CPU time: as for a transcode, thirty times the film's duration, at least ten minutes.
    const auto seconds = static_cast<rlim_t>(std::max(600.0, version.duration_seconds * 30));
    process::lower_limit(RLIMIT_CPU, seconds, seconds + 5);
    try {
        const media::version_layout work(folder);
        auto renditions = encode_audio_tracks(tracks, version.duration_seconds, work, options.encoding.segment_seconds);
        for (auto& r : renditions) version.audio_renditions.push_back(std::move(r));
        media::write_version(work, version);
        write_line(fd, {{"percent", 100.0}, {"fps", 0.0}, {"eta_seconds", 0.0}});
        write_line(fd, {{"done", true}});
    } catch (const media_error& e) {
        fail(e.code() + ": " + e.what(), true);
    } catch (const std::exception& e) {
        fail(e.what(), false);
    }
    ::close(fd);
    ::_exit(0);
}

enum class outcome { done, failed, lost, stopping };

class worker {
public:
    explicit worker(const worker_options& o)
        : options_(o),
          layout_(fs::absolute(o.data_dir)),
          db_(catalog::open_catalog(layout_.catalog_db().string())),
          publisher_(layout_, store_),
          parent_(::getppid()) {}

    int run() {
        log_event("worker_started", {{"worker", options_.worker_id}, {"pid", ::getpid()}});
        sweep_abandoned_output();
        bool swept = true;
        while (!should_stop()) {
            try {
                auto job = catalog::claim_job(db_, options_.worker_id, options_.lease_seconds, catalog::unix_now());
                if (!job) {
                    // A claim may have given up on jobs whose workers died: their partial output goes
                    // once the queue is empty, not at the next start only.
                    if (!swept) sweep_abandoned_output();
                    swept = true;
                    if (options_.once) break;
                    sleep_a_little();
                    continue;
                }
                swept = false;
                process(*job);
            } catch (const std::exception& e) {
                // A busy or failing catalog: try again; a job we hold comes back after its lease.
                log_event("worker_error", {{"worker", options_.worker_id}, {"error", e.what()}});
                sleep_a_little();
            }
        }
        log_event("worker_stopped", {{"worker", options_.worker_id}});
        return 0;
    }

private:
    bool parent_gone() const { return parent_ != 1 && ::getppid() != parent_; }
    bool should_stop() const { return stop_requested || parent_gone(); }

    void sleep_a_little() {
        for (int waited = 0; waited < options_.idle_poll_ms && !should_stop(); waited += 50)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    // The <film id> folders directly inside `parent`.
    static std::vector<std::pair<std::int64_t, fs::path>> film_folders(const fs::path& parent) {
        std::vector<std::pair<std::int64_t, fs::path>> found;
        std::error_code ec;
        for (auto entry = fs::directory_iterator(parent, ec); !ec && entry != fs::directory_iterator(); entry.increment(ec)) {
            if (const auto film = media::film_of_folder(entry->path().filename().string()))
                found.emplace_back(*film, entry->path());
        }
        return found;
    }

    // Partial output of jobs nobody runs any more (cancelled or failed while their worker was dead),
    // and the folders of deleted films (a deletion the server could not finish). A running job's
    // folder is left to its worker, or to whoever takes the job over.
    void sweep_abandoned_output() {
        const fs::path media_dir = layout_.media_dir();
        for (const auto& films : {media_dir, layout_.sources_dir()}) {
            media::remove_discarded_folders(films);
            for (const auto& [id, folder] : film_folders(films)) {
                if (catalog::find_film(db_, id)) continue;
                // Film rows come before their folders and ids are never reused: nobody owns this one.
                media::discard_folder(folder);
                log_event("deleted_film_files_removed", {{"film", id}, {"folder", folder.string()}});
            }
        }
        for (const auto& [film_id, film] : film_folders(media_dir)) {
            media::remove_discarded_folders(film);
            std::error_code inner;
            for (auto entry = fs::directory_iterator(film, inner); !inner && entry != fs::directory_iterator();
                 entry.increment(inner)) {
                const auto id = media::job_of_staging_folder(entry->path().filename().string());
                if (!id) continue;
                const auto job = catalog::find_job(db_, *id);
                if (job && job->status == catalog::job_status::running) continue;
                publisher_.abandon(film_id, *id);
                log_event("partial_output_removed", {{"job", *id}});
            }
        }
    }

    void process(const catalog::job& job) {
        log_event("job_claimed", {{"job", job.id}, {"film", job.film_id}, {"attempt", job.attempts},
                                  {"worker", options_.worker_id}});
        const auto staged = publisher_.stage(job.film_id, job.id);
        if (staged.stale_removed) log_event("stale_output_removed", {{"job", job.id}, {"film", job.film_id}});
        std::string error;
        bool permanent = false;
        std::optional<media::hls_version> base;
        if (job.kind == "audio") base = stage_audio_job(job, staged.folder, error);
        const outcome result = job.kind == "audio" && !base ? outcome::failed
                                                            : transcode(job, staged.folder.root(), base, error, permanent);
        if (job.kind == "audio" && !base) permanent = true;
        switch (result) {
            case outcome::done: publish(job); break;
            case outcome::failed:
                publisher_.abandon(job.film_id, job.id);
                catalog::fail_job(db_, job.id, options_.worker_id, error, permanent);
                log_event("job_failed", {{"job", job.id}, {"error", error}, {"permanent", permanent}});
                break;
            case outcome::lost:
                publisher_.abandon(job.film_id, job.id);
                log_event("job_lost", {{"job", job.id}, {"reason", "cancelled or lease taken over"}});
                break;
            case outcome::stopping:
                publisher_.abandon(job.film_id, job.id);
                catalog::release_job(db_, job.id, options_.worker_id);
                log_event("job_released", {{"job", job.id}});
                break;
        }
    }

    void publish(const catalog::job& job) {
        const auto result = catalog::publish_job_version(db_, publisher_, job.film_id, job.id, options_.worker_id);
        if (!result.published) {
            log_event("job_lost", {{"job", job.id}});  // cancelled at the last moment
            return;
        }
        log_event("job_done", {{"job", job.id}, {"film", job.film_id}});
        for (const auto version : result.pruned)
            log_event("old_version_removed", {{"film", job.film_id}, {"version", version}});
        if (result.prune_error)
            log_event("worker_error", {{"worker", options_.worker_id}, {"error", *result.prune_error}});
    }

    // An audio job's staging folder: the base version's files but its curators' renditions, as hard
    // links. Returns the base version with only the film's own sound left, or nullopt with `error`.
    std::optional<media::hls_version> stage_audio_job(const catalog::job& job, const media::version_layout& staged,
                                                      std::string& error) {
        if (!job.base_version) {
            error = "bad_job: an audio job names its base version";
            return std::nullopt;
        }
        const auto base_folder = layout_.version(job.film_id, *job.base_version);
        try {
            auto version = media::read_version(base_folder);
            if (version.sound_in_rungs) {
                // Its players could not switch away from the sound muxed in the rungs.
                error = "sound_in_video: this version carries its sound in the video: transcode the master again to add tracks";
                return std::nullopt;
            }
            std::set<std::string> kept;
            std::vector<media::hls_audio_rendition> own;
            for (const auto& r : version.audio_renditions)
                if (r.role == "original" || r.role == "original-51") {
                    kept.insert(r.id);
                    own.push_back(r);
                }
            version.audio_renditions = own;
            media::link_version_files(base_folder, staged, kept);
            return version;
        } catch (const std::exception& e) {
            error = "version_not_found: the base version v" + std::to_string(*job.base_version) + " cannot be read: " + e.what();
            return std::nullopt;
        }
    }

    outcome transcode(const catalog::job& job, const fs::path& work_dir, const std::optional<media::hls_version>& base,
                      std::string& error, bool& permanent) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            error = "cannot create a pipe";
            return outcome::failed;
        }
        std::fflush(nullptr);
        const pid_t self = ::getpid();
        const pid_t child = ::fork();
        if (child < 0) {
            ::close(fds[0]);
            ::close(fds[1]);
            error = "cannot start a transcoder process";
            return outcome::failed;
        }
        if (child == 0) {
            ::close(fds[0]);
            if (base) audio_child(job, work_dir, *base, options_, fds[1], self);
            transcode_child(job, work_dir, options_, fds[1], self);
        }
        ::close(fds[1]);

        catalog::job_progress progress;
        std::string buffer;
        auto last_beat = std::chrono::steady_clock::now();
        // Often enough for a curator watching progress, and three beats per lease at least.
        const auto beat_every = std::chrono::milliseconds(std::clamp(options_.lease_seconds * 1000 / 3, 200, 2000));
        std::optional<outcome> interrupted;
        bool open = true;
        while (open) {
            pollfd p{fds[0], POLLIN, 0};
            const int ready = ::poll(&p, 1, 200);
            if (ready > 0) {
                char chunk[4096];
                const auto n = ::read(fds[0], chunk, sizeof chunk);
                if (n <= 0) open = false;
                else buffer.append(chunk, static_cast<std::size_t>(n));
                for (auto newline = buffer.find('\n'); newline != std::string::npos; newline = buffer.find('\n')) {
                    const auto line = nlohmann::json::parse(buffer.substr(0, newline), nullptr, false);
                    buffer.erase(0, newline + 1);
                    if (line.is_discarded()) continue;
                    if (line.contains("percent")) {
                        progress.percent = line.value("percent", 0.0);
                        progress.fps = line.value("fps", 0.0);
                        progress.eta_seconds.reset();
                        if (line.contains("eta_seconds") && line["eta_seconds"].is_number())
                            progress.eta_seconds = line["eta_seconds"].get<double>();
                    } else if (line.contains("error")) {
                        error = line["error"].get<std::string>();
                        permanent = line.value("permanent", false);
                    }
                }
            }
            if (!interrupted && should_stop()) interrupted = outcome::stopping;
            const auto now = std::chrono::steady_clock::now();
            if (!interrupted && now - last_beat >= beat_every) {
                last_beat = now;
                try {
                    if (!catalog::heartbeat_job(db_, job.id, options_.worker_id, progress, options_.lease_seconds,
                                                catalog::unix_now()))
                        interrupted = outcome::lost;
                } catch (const catalog::database_error& e) {
                    // Busy for longer than the timeout: the next beat still comes well within the lease.
                    log_event("heartbeat_failed", {{"job", job.id}, {"error", e.what()}});
                }
            }
            if (interrupted) {
                ::kill(child, SIGKILL);
                break;
            }
        }
        ::close(fds[0]);
        int status = 0;
        while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        if (interrupted) return *interrupted;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return outcome::done;
        if (error.empty())
            error = WIFSIGNALED(status) ? "the transcoder stopped on signal " + std::to_string(WTERMSIG(status))
                                        : "the transcoder failed with code " + std::to_string(WEXITSTATUS(status));
        return outcome::failed;
    }

    worker_options options_;
    media::media_layout layout_;
    catalog::database db_;
    media::disk_version_store store_;
    media::version_publisher publisher_;
    pid_t parent_;
};

}  // namespace

int run_worker(const worker_options& options) {
    // Parent gone (the server crashed): we get SIGTERM and stop like on a normal shutdown.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    worker w(options);
    return w.run();
}

}  // namespace festival::transcoder
