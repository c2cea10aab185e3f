#pragma once
// Where `festival-transcoder work` gets its jobs and where their results go. The job loop
// (job_worker.cpp) is the same for both sources: it asks for a job whose inputs are local files, runs
// the sandboxed transcode child into a local folder, reports progress, and hands the outcome back.
// `catalog_job_source`: the catalog and the shared data folder (workers started by the server).
// `remote::remote_job_source`: the server's worker API over HTTP (workers on other hosts).
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "catalog/jobs.hpp"
#include "transcoder/media/hls_version.hpp"

namespace festival::transcoder {

enum class job_outcome { done, failed, lost, stopping };

struct prepared_job {
    catalog::job job;                  // every input path names a local, readable file
    std::filesystem::path work_dir;    // the transcode writes the version here
    std::optional<media::hls_version> base;  // audio jobs: the base version, its files already in work_dir
    // Set when the job ended before its transcode could start (inputs missing, lease lost, stopping).
    std::optional<job_outcome> ended;
    std::string error;
    bool permanent = false;
};

class job_source {
public:
    virtual ~job_source() = default;
    // Once, before the first claim.
    virtual void start() {}
    // The next job, ready to transcode, or nullopt when there is none now.
    virtual std::optional<prepared_job> next_job() = 0;
    // The queue was found empty after some work.
    virtual void idle() {}
    // How often the loop calls report() while the transcode runs.
    virtual std::chrono::milliseconds report_every() const = 0;
    // Progress; false when the job is no longer ours (cancelled, lease taken over): the loop stops it.
    virtual bool report(const prepared_job& job, const catalog::job_progress& progress) = 0;
    // The transcode wrote a whole version into work_dir: publish it (or give up as the source sees fit).
    virtual void finish(const prepared_job& job) = 0;
    virtual void fail(const prepared_job& job, const std::string& error, bool permanent) = 0;
    // The job is no longer ours: drop what it left.
    virtual void lost(const prepared_job& job) = 0;
    // The worker is stopping: the job goes back to the queue, its attempt not counted.
    virtual void release(const prepared_job& job) = 0;
};

}  // namespace festival::transcoder
