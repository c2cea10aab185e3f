#include "transcoder/remote/remote_job_source.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "transcoder/job_source.hpp"
#include "transcoder/process/log_event.hpp"
#include "transcoder/remote/http_client.hpp"
#include "transcoder/remote/remote_files.hpp"

namespace festival::transcoder::remote {
namespace {

namespace fs = std::filesystem;

// How a job ended before its version reached the server, thrown from deep inside a transfer.
struct job_ended {
    job_outcome outcome;
    std::string error;
    bool permanent = false;
};

std::string job_path(std::int64_t id, const std::string& rest) {
    return "/api/worker/jobs/" + std::to_string(id) + rest;
}

// The lease of the job being worked on: renewed from its own thread (every third of the lease) while
// inputs download, the transcode runs and the version uploads, with the latest progress.
class lease_keeper {
public:
    lease_keeper(const remote_options& o, std::int64_t job, std::string worker, int lease_seconds)
        : client_(o.server, o.token),
          job_(job),
          worker_(std::move(worker)),
          lease_seconds_(lease_seconds),
          every_(std::clamp(lease_seconds * 1000 / 3, 200, 10000)),
          thread_([this] { loop(); }) {}

    ~lease_keeper() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

    void report(const catalog::job_progress& progress) {
        std::lock_guard lock(mutex_);
        progress_ = progress;
    }
    bool lost() const { return lost_; }

private:
    void loop() {
        std::unique_lock lock(mutex_);
        while (!stopping_ && !lost_) {
            if (wake_.wait_for(lock, every_, [this] { return stopping_; })) break;
            const auto progress = progress_;
            lock.unlock();
            beat(progress);
            lock.lock();
        }
    }

    void beat(const catalog::job_progress& p) {
        nlohmann::json progress = {{"progress", p.percent}, {"fps", p.fps}, {"speed", 0.0}};
        if (p.eta_seconds) progress["eta_seconds"] = *p.eta_seconds;
        try {
            const auto answer = client_.call("POST", job_path(job_, "/heartbeat"),
                                             {{"worker", worker_}, {"progress", progress}, {"lease_seconds", lease_seconds_}}, 10);
            // 409: cancelled or taken over; 401/403: the token was revoked; 404: the job is gone.
            if (answer.status == 409 || answer.status == 401 || answer.status == 403 || answer.status == 404) {
                log_event("job_lease_lost", {{"job", job_}, {"answer", answer.describe()}});
                lost_ = true;
            } else if (answer.status != 200) {
                log_event("heartbeat_failed", {{"job", job_}, {"answer", answer.describe()}});
            }
        } catch (const std::exception& e) {
            // The next beat may get through before the lease runs out; if not, the server says so then.
            log_event("heartbeat_failed", {{"job", job_}, {"error", e.what()}});
        }
    }

    http_client client_;
    std::int64_t job_;
    std::string worker_;
    int lease_seconds_;  // each beat renews the lease the claim asked for, not the server's default
    std::chrono::milliseconds every_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::atomic<bool> lost_{false};
    catalog::job_progress progress_;
    std::thread thread_;
};

class remote_job_source final : public job_source {
public:
    remote_job_source(const remote_options& o, std::string worker, int lease_seconds, std::function<bool()> stop)
        : options_(o),
          worker_(std::move(worker)),
          lease_seconds_(lease_seconds),
          stop_(std::move(stop)),
          work_dir_(fs::absolute(o.work_dir)),
          client_(o.server, o.token) {}

    void start() override {
        fs::create_directories(work_dir_);
        log_event("remote_worker_started", {{"server", options_.server}, {"work_dir", work_dir_.string()}});
    }

    std::optional<prepared_job> next_job() override {
        http_answer answer;
        try {
            answer = retrying("claim", [&] {
                return client_.call("POST", "/api/worker/jobs/claim", {{"worker", worker_}, {"lease_seconds", lease_seconds_}});
            });
        } catch (const job_ended&) {
            return std::nullopt;  // stopping
        }
        if (answer.status == 204) return std::nullopt;
        if (answer.status == 401 || answer.status == 403)
            throw worker_refused("the server refused the worker token (" + answer.describe() +
                                 "): make one with `festival worker add NAME` and give it with --token-file");
        if (answer.status != 200) throw std::runtime_error("claim: " + answer.describe());
        const auto claim = nlohmann::json::parse(answer.body);
        const auto& job_json = claim.at("job");

        prepared_job p;
        p.job.id = job_json.at("id").get<std::int64_t>();
        p.job.film_id = job_json.value("film_id", std::int64_t(0));
        p.job.kind = job_json.value("kind", std::string("transcode"));
        p.job.attempts = job_json.value("attempts", 0);
        log_event("job_claimed", {{"job", p.job.id}, {"film", p.job.film_id}, {"attempt", p.job.attempts},
                                  {"worker", worker_}, {"server", options_.server}});
        lease_ = std::make_unique<lease_keeper>(options_, p.job.id, worker_, lease_seconds_);
        job_dir_ = work_dir_ / ("job-" + std::to_string(p.job.id));
        remove_other_jobs(job_dir_);
        p.work_dir = job_dir_ / "output";
        fs::remove_all(p.work_dir);  // a new attempt starts its version from nothing, as the server's staging does
        fs::create_directories(job_dir_ / "inputs");
        try {
            if (p.job.kind != "transcode")
                throw job_ended{job_outcome::stopping, "", false};  // audio jobs need the shared disk: local workers do them
            fetch_inputs(claim, p.job);
        } catch (const job_ended& e) {
            p.ended = e.outcome;
            p.error = e.error;
            p.permanent = e.permanent;
        } catch (const transfer_error& e) {
            log_event("worker_error", {{"worker", worker_}, {"job", p.job.id}, {"error", e.what()}});
            p.ended = job_outcome::stopping;  // the server is out of reach: the job goes back (or its lease runs out)
        } catch (const std::exception& e) {
            p.ended = job_outcome::failed;  // a claim this worker cannot read, a full disk
            p.error = e.what();
        }
        return p;
    }

    std::chrono::milliseconds report_every() const override { return std::chrono::milliseconds(500); }

    bool report(const prepared_job&, const catalog::job_progress& progress) override {
        lease_->report(progress);
        return !lease_->lost();
    }

    void finish(const prepared_job& p) override {
        try {
            upload_and_finish(p);
        } catch (const job_ended& e) {
            if (e.outcome == job_outcome::lost) lost(p);
            else if (e.outcome == job_outcome::stopping) release(p);
            else fail(p, e.error, e.permanent);
        } catch (const transfer_error& e) {
            log_event("worker_error", {{"worker", worker_}, {"job", p.job.id}, {"error", e.what()}});
            release(p);
        } catch (const std::exception& e) {
            fail(p, e.what(), false);
        }
    }

    void fail(const prepared_job& p, const std::string& error, bool permanent) override {
        tell("fail", p, {{"worker", worker_}, {"reason", error}, {"permanent", permanent}});
        log_event("job_failed", {{"job", p.job.id}, {"error", error}, {"permanent", permanent}});
        end_job();
    }

    void lost(const prepared_job& p) override {
        log_event("job_lost", {{"job", p.job.id}, {"reason", "cancelled or lease taken over"}});
        end_job();
    }

    void release(const prepared_job& p) override {
        tell("release", p, {{"worker", worker_}});
        log_event("job_released", {{"job", p.job.id}});
        end_job();
    }

private:
    bool interrupted() const { return stop_() || (lease_ && lease_->lost()); }

    void check_interrupted() const {
        if (lease_ && lease_->lost()) throw job_ended{job_outcome::lost, "", false};
        if (stop_()) throw job_ended{job_outcome::stopping, "", false};
    }

    // One request, tried again after network errors and 5xx/429 answers with a doubling pause, at most
    // max_tries times. `interruptible`: a stop or a lost lease ends the tries (job_ended); telling the
    // server a job's end is not interruptible, or a stopping worker could not give its job back.
    template <class Attempt>
    http_answer retrying(const std::string& what, Attempt&& attempt, bool interruptible = true) {
        auto pause = std::chrono::milliseconds(options_.first_backoff_ms);
        const int limit = interruptible ? options_.max_tries : std::min(options_.max_tries, 3);  // a stop is waiting
        for (int tries = 1;; ++tries) {
            if (interruptible) check_interrupted();
            try {
                auto answer = attempt();
                if ((answer.status < 500 && answer.status != 429) || tries >= limit) return answer;
                log_event("remote_retry", {{"what", what}, {"try", tries}, {"answer", answer.describe()}});
            } catch (const transfer_error& e) {
                if (interruptible) check_interrupted();
                if (tries >= limit) throw;
                log_event("remote_retry", {{"what", what}, {"try", tries}, {"error", e.what()}});
            }
            for (auto waited = std::chrono::milliseconds(0); waited < pause && !(interruptible && interrupted());
                 waited += std::chrono::milliseconds(50))
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            pause = std::min(pause * 2, std::chrono::milliseconds(10000));
        }
    }

    // Folders of other jobs (ended while this worker was killed) go; this job's inputs stay, so a
    // download cut by a crash resumes where it stopped.
    void remove_other_jobs(const fs::path& keep) {
        std::error_code ec;
        for (auto entry = fs::directory_iterator(work_dir_, ec); !ec && entry != fs::directory_iterator(); entry.increment(ec))
            if (entry->path() != keep && entry->path().filename().string().rfind("job-", 0) == 0) {
                std::error_code ignored;
                fs::remove_all(entry->path(), ignored);
            }
    }

    void end_job() {
        lease_.reset();
        std::error_code ignored;
        if (!job_dir_.empty()) fs::remove_all(job_dir_, ignored);
        job_dir_.clear();
    }

    // fail/release: the server learns it now, or when the lease runs out.
    void tell(const std::string& what, const prepared_job& p, const nlohmann::json& body) {
        try {
            const auto answer = retrying(
                what, [&] { return client_.call("POST", job_path(p.job.id, "/" + what), body, 10); }, false);
            if (answer.status != 200) log_event("remote_refused", {{"job", p.job.id}, {"what", what}, {"answer", answer.describe()}});
        } catch (const std::exception& e) {
            log_event("worker_error", {{"worker", worker_}, {"job", p.job.id}, {"error", e.what()}});
        }
    }

    // Every input of the claim, downloaded and checked; the job's paths point at them.
    void fetch_inputs(const nlohmann::json& claim, catalog::job& job) {
        std::vector<std::string> languages;
        if (claim.at("job").contains("subtitles") && claim["job"]["subtitles"].is_array())
            for (const auto& l : claim["job"]["subtitles"])
                if (l.is_string()) languages.push_back(l.get<std::string>());
        for (const auto& input : claim.at("inputs")) {
            const auto name = input.at("name").get<std::string>();
            if (!valid_input_name(name)) throw job_ended{job_outcome::failed, "bad_job: unknown input " + name, true};
            const fs::path file = job_dir_ / "inputs" / name;
            download(input, name, file, job.id);
            if (name == "master") {
                job.source_path = file.string();
            } else if (name.rfind("subtitle-", 0) == 0) {
                const auto n = static_cast<std::size_t>(std::stoul(name.substr(9)));
                job.subtitles.push_back({input.value("lang", n < languages.size() ? languages[n] : std::string("und")),
                                         file.string()});
            } else {
                job.audio_tracks.push_back({0, input.value("lang", std::string("und")),
                                            input.value("role", std::string("description")),
                                            input.value("track_name", std::string()), file.string()});
            }
        }
        if (job.source_path.empty()) throw job_ended{job_outcome::failed, "bad_job: the claim names no master", true};
    }

    // Resumes what the file holds (Range), after a cut or a crash; a file that is whole but does not
    // hash to the server's SHA-256 is fetched again once.
    void download(const nlohmann::json& input, const std::string& name, const fs::path& file, std::int64_t job) {
        const auto bytes = input.at("bytes").get<std::uint64_t>();
        const auto expected = input.at("sha256").get<std::string>();
        const auto url = input.value("url", job_path(job, "/inputs/" + name));
        const std::uint64_t first_offset = resume_offset(file, bytes);
        std::uint64_t received = 0;
        int corrupt = 0;
        for (int round = 0; round < options_.max_tries; ++round) {
            check_interrupted();
            if (resume_offset(file, bytes) < bytes || !fs::exists(file)) {
                const auto answer = retrying("input " + name, [&] {
                    const auto offset = resume_offset(file, bytes);  // what earlier tries already wrote stays
                    return client_.download(url, file, offset, [this] { return !interrupted(); });
                });
                received += answer.bytes_written;
                if (answer.status == 409) throw job_ended{job_outcome::lost, "", false};
                if (answer.status == 416) {
                    fs::remove(file);
                    continue;
                }
                if (answer.status != 200 && answer.status != 206)
                    throw job_ended{job_outcome::failed, "input " + name + ": " + answer.describe(), false};
            }
            if (fs::file_size(file) != bytes) continue;  // the body ended early: resume
            if (sha256_of_file(file) == expected) {
                log_event("input_downloaded", {{"job", job}, {"input", name}, {"bytes", bytes},
                                               {"resumed_from", first_offset}, {"received", received}});
                return;
            }
            fs::remove(file);
            if (++corrupt >= 2) break;
        }
        throw job_ended{job_outcome::failed, "input_corrupt: the input " + name + " did not arrive whole", false};
    }

    void upload_and_finish(const prepared_job& p) {
        const auto local = list_output(p.work_dir);
        for (int round = 0; round < 2; ++round) {
            const auto listing = retrying("output listing", [&] { return client_.call("GET", job_path(p.job.id, "/output")); });
            if (listing.status == 409) throw job_ended{job_outcome::lost, "", false};
            if (listing.status != 200)
                throw job_ended{job_outcome::failed, "output listing: " + listing.describe(), false};
            const auto missing = files_to_upload(local, listing_from_json(nlohmann::json::parse(listing.body, nullptr, false)));
            std::uint64_t sent = 0;
            for (const auto& path : missing) {
                const auto answer = retrying("output " + path, [&] {
                    return client_.upload(job_path(p.job.id, "/output/" + path), p.work_dir / path,
                                          [this] { return !interrupted(); });
                });
                if (answer.status == 409) throw job_ended{job_outcome::lost, "", false};
                if (answer.status != 201 && answer.status != 200)
                    throw job_ended{job_outcome::failed, "output " + path + ": " + answer.describe(), false};
                sent += local.at(path).bytes;
            }
            log_event("output_uploaded", {{"job", p.job.id}, {"files", missing.size()}, {"of", local.size()}, {"bytes", sent}});
            const auto done = retrying("finish", [&] {
                return client_.call("POST", job_path(p.job.id, "/finish"), {{"worker", worker_}, {"files", listing_to_json(local)}}, 120);
            });
            if (done.status == 200) {
                const auto answer = nlohmann::json::parse(done.body, nullptr, false);
                log_event("job_done", {{"job", p.job.id}, {"film", p.job.film_id},
                                       {"version", answer.is_object() ? answer.value("version", nlohmann::json()) : nlohmann::json()}});
                end_job();
                return;
            }
            if (done.status == 409) throw job_ended{job_outcome::lost, "", false};
            // Something did not arrive whole after all: list again and send what is missing, once.
            if (done.status == 422 && done.error_code() == "output_incomplete" && round == 0) {
                log_event("output_incomplete", {{"job", p.job.id}, {"answer", done.describe()}});
                continue;
            }
            throw job_ended{job_outcome::failed, "finish: " + done.describe(), false};
        }
    }

    remote_options options_;
    std::string worker_;
    int lease_seconds_;
    std::function<bool()> stop_;
    fs::path work_dir_;
    http_client client_;
    std::unique_ptr<lease_keeper> lease_;
    fs::path job_dir_;
};

}  // namespace

std::unique_ptr<job_source> make_remote_job_source(const remote_options& options, const std::string& worker,
                                                   int lease_seconds, std::function<bool()> stop_requested) {
    init_http();
    if (sodium_init() < 0) throw std::runtime_error("cannot start libsodium");
    if (options.token.empty()) throw worker_refused("no worker token: give --token-file FILE or FESTIVAL_WORKER_TOKEN");
    return std::make_unique<remote_job_source>(options, worker, lease_seconds, std::move(stop_requested));
}

}  // namespace festival::transcoder::remote
