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
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "catalog/jobs.hpp"
#include "transcoder/process/child_process.hpp"
#include "transcoder/process/resource_limits.hpp"
#include "transcoder/audio_tracks.hpp"
#include "transcoder/catalog_job_source.hpp"
#include "transcoder/film_transcode.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/process/log_event.hpp"
#include "transcoder/remote/remote_job_source.hpp"
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

class worker {
public:
    worker(job_source& source, const worker_options& o) : source_(source), options_(o), parent_(::getppid()) {}

    int run() {
        log_event("worker_started", {{"worker", options_.worker_id}, {"pid", ::getpid()}});
        source_.start();
        bool idle = true;
        while (!should_stop()) {
            try {
                auto job = source_.next_job();
                if (!job) {
                    if (!idle) source_.idle();
                    idle = true;
                    if (options_.once) break;
                    sleep_a_little();
                    continue;
                }
                idle = false;
                process(*job);
            } catch (const remote::worker_refused&) {
                throw;  // no point trying again: the operator must act
            } catch (const std::exception& e) {
                // A busy or failing catalog or server: try again; a job we hold comes back after its lease.
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

    void process(const prepared_job& job) {
        std::string error = job.error;
        bool permanent = job.permanent;
        const job_outcome result = job.ended ? *job.ended : transcode(job, error, permanent);
        switch (result) {
            case job_outcome::done: source_.finish(job); break;
            case job_outcome::failed: source_.fail(job, error, permanent); break;
            case job_outcome::lost: source_.lost(job); break;
            case job_outcome::stopping: source_.release(job); break;
        }
    }

    job_outcome transcode(const prepared_job& prepared, std::string& error, bool& permanent) {
        const catalog::job& job = prepared.job;
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            error = "cannot create a pipe";
            return job_outcome::failed;
        }
        std::fflush(nullptr);
        const pid_t self = ::getpid();
        const pid_t child = ::fork();
        if (child < 0) {
            ::close(fds[0]);
            ::close(fds[1]);
            error = "cannot start a transcoder process";
            return job_outcome::failed;
        }
        if (child == 0) {
            ::close(fds[0]);
            if (prepared.base) audio_child(job, prepared.work_dir, *prepared.base, options_, fds[1], self);
            transcode_child(job, prepared.work_dir, options_, fds[1], self);
        }
        ::close(fds[1]);

        catalog::job_progress progress;
        std::string buffer;
        auto last_beat = std::chrono::steady_clock::now();
        const auto beat_every = source_.report_every();
        std::optional<job_outcome> interrupted;
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
            if (!interrupted && should_stop()) interrupted = job_outcome::stopping;
            const auto now = std::chrono::steady_clock::now();
            if (!interrupted && now - last_beat >= beat_every) {
                last_beat = now;
                if (!source_.report(prepared, progress)) interrupted = job_outcome::lost;
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
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return job_outcome::done;
        if (error.empty())
            error = WIFSIGNALED(status) ? "the transcoder stopped on signal " + std::to_string(WTERMSIG(status))
                                        : "the transcoder failed with code " + std::to_string(WEXITSTATUS(status));
        return job_outcome::failed;
    }

    job_source& source_;
    worker_options options_;
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
    std::unique_ptr<job_source> source;
    if (!options.remote.server.empty())
        source = remote::make_remote_job_source(options.remote, options.worker_id, options.lease_seconds,
                                                [] { return stop_requested != 0; });
    else
        source = make_catalog_job_source({options.data_dir, options.catalog, options.worker_id, options.lease_seconds});
    worker w(*source, options);
    return w.run();
}

}  // namespace festival::transcoder
