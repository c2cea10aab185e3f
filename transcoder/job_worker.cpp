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
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"
#include "transcoder/process/child_process.hpp"
#include "transcoder/process/resource_limits.hpp"
#include "transcoder/film_transcode.hpp"
#include "transcoder/media/media_folders.hpp"
#include "transcoder/sandbox.hpp"

namespace festival::transcoder {
namespace {

namespace fs = std::filesystem;

volatile sig_atomic_t stop_requested = 0;
void on_stop_signal(int) { stop_requested = 1; }

void log_event(nlohmann::json event) {
    const auto line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fprintf(stderr, "%s\n", line.c_str());
}

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

enum class outcome { done, failed, lost, stopping };

class worker {
public:
    explicit worker(const worker_options& o)
        : options_(o), db_(catalog::open_catalog(o.data_dir + "/catalog.db")), parent_(::getppid()) {}

    int run() {
        log_event({{"event", "worker_started"}, {"worker", options_.worker_id}, {"pid", ::getpid()}});
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
                log_event({{"event", "worker_error"}, {"worker", options_.worker_id}, {"error", e.what()}});
                sleep_a_little();
            }
        }
        log_event({{"event", "worker_stopped"}, {"worker", options_.worker_id}});
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
            const auto name = entry->path().filename().string();
            if (name.empty() || name.size() > 18 || name.find_first_not_of("0123456789") != std::string::npos) continue;
            found.emplace_back(std::stoll(name), entry->path());
        }
        return found;
    }

    // Partial output of jobs nobody runs any more (cancelled or failed while their worker was dead),
    // and the folders of deleted films (a deletion the server could not finish). A running job's
    // folder is left to its worker, or to whoever takes the job over.
    void sweep_abandoned_output() {
        const fs::path media = fs::path(options_.data_dir) / "media";
        for (const auto& films : {media, fs::path(options_.data_dir) / "sources"}) {
            remove_discarded_folders(films);
            for (const auto& [id, folder] : film_folders(films)) {
                if (catalog::find_film(db_, id)) continue;
                // Film rows come before their folders and ids are never reused: nobody owns this one.
                discard_folder(folder);
                log_event({{"event", "deleted_film_files_removed"}, {"film", id}, {"folder", folder.string()}});
            }
        }
        for (const auto& folder : film_folders(media)) {
            const auto& film = folder.second;
            remove_discarded_folders(film);
            std::error_code inner;
            for (auto entry = fs::directory_iterator(film, inner); !inner && entry != fs::directory_iterator();
                 entry.increment(inner)) {
                const auto entry_name = entry->path().filename().string();
                if (!entry_name.starts_with(".tmp-")) continue;
                std::int64_t id = 0;
                try {
                    id = std::stoll(entry_name.substr(5));
                } catch (const std::exception&) {
                    continue;
                }
                const auto job = catalog::find_job(db_, id);
                if (job && job->status == "running") continue;
                std::error_code ignored;
                fs::remove_all(entry->path(), ignored);
                log_event({{"event", "partial_output_removed"}, {"job", id}});
            }
        }
    }

    // Keeps the versions the catalog names (current, previous for viewers mid-film, pending) and those
    // of jobs still running; the others go, whoever published them.
    void prune_old_versions(const catalog::job& job, const fs::path& film_dir) {
        for (const auto version : prune_versions(film_dir, catalog::versions_to_keep(db_, job.film_id)))
            log_event({{"event", "old_version_removed"}, {"film", job.film_id}, {"version", version}});
    }

    void process(const catalog::job& job) {
        const fs::path film_dir = fs::absolute(fs::path(options_.data_dir) / "media" / std::to_string(job.film_id));
        const fs::path work_dir = film_dir / (".tmp-" + std::to_string(job.id));
        const fs::path final_dir = film_dir / version_folder(job.id);
        log_event({{"event", "job_claimed"}, {"job", job.id}, {"film", job.film_id}, {"attempt", job.attempts},
                   {"worker", options_.worker_id}});
        std::error_code ignored;
        fs::remove_all(work_dir, ignored);  // partial output of an attempt whose worker died
        // A claimed job has no finished output: a v<job> folder here was not written by this job's
        // successful run (a leftover of another catalog's ids, or an attempt that died before
        // recording it). Never publish bytes we cannot vouch for: transcode again.
        if (fs::exists(final_dir)) {
            discard_folder(final_dir);
            log_event({{"event", "stale_output_removed"}, {"job", job.id}, {"film", job.film_id}});
        }
        fs::create_directories(film_dir);
        std::string error;
        bool permanent = false;
        const outcome result = transcode(job, work_dir, error, permanent);
        switch (result) {
            case outcome::done:
                fs::rename(work_dir, final_dir);
                if (catalog::finish_job(db_, job.id, options_.worker_id)) {
                    log_event({{"event", "job_done"}, {"job", job.id}, {"film", job.film_id}});
                    prune_old_versions(job, film_dir);
                } else {
                    fs::remove_all(final_dir, ignored);  // cancelled at the last moment
                    log_event({{"event", "job_lost"}, {"job", job.id}});
                }
                break;
            case outcome::failed:
                fs::remove_all(work_dir, ignored);
                catalog::fail_job(db_, job.id, options_.worker_id, error, permanent);
                log_event({{"event", "job_failed"}, {"job", job.id}, {"error", error}, {"permanent", permanent}});
                break;
            case outcome::lost:
                fs::remove_all(work_dir, ignored);
                log_event({{"event", "job_lost"}, {"job", job.id}, {"reason", "cancelled or lease taken over"}});
                break;
            case outcome::stopping:
                fs::remove_all(work_dir, ignored);
                catalog::release_job(db_, job.id, options_.worker_id);
                log_event({{"event", "job_released"}, {"job", job.id}});
                break;
        }
    }

    outcome transcode(const catalog::job& job, const fs::path& work_dir, std::string& error, bool& permanent) {
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
                    log_event({{"event", "heartbeat_failed"}, {"job", job.id}, {"error", e.what()}});
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
    catalog::database db_;
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
