#include "server/metrics_exposition.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "catalog/jobs.hpp"
#include "server/festival_app.hpp"
#include "server/http/metrics.hpp"
#include "server/transcoder_supervisor.hpp"

namespace festival::server {
namespace {

// Resident set size from /proc/self/statm (its second field, in pages); 0 when unreadable.
std::uint64_t resident_memory_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    if (!(statm >> size >> resident)) return 0;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// Entries of /proc/self/fd, less the one the listing itself holds open.
std::int64_t open_descriptors() {
    std::error_code ec;
    std::int64_t count = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++count;
    return count > 0 ? count - 1 : 0;
}

void write_audience(metrics_text& out, festival_app& app) {
    out.family("festival_live_viewers", "gauge", "Plays live now (a heartbeat in the last 30 s).");
    out.sample("festival_live_viewers", "", app.audience.live().total);
    out.family("festival_heartbeats_accepted_total", "counter", "Player heartbeats accepted.");
    out.sample("festival_heartbeats_accepted_total", "", app.metrics.heartbeats_accepted());
    out.family("festival_heartbeats_refused_total", "counter", "Player heartbeats refused, by reason.");
    for (std::size_t i = 0; i < heartbeat_refusal_names.size(); ++i)
        out.sample("festival_heartbeats_refused_total", std::string("reason=\"") + heartbeat_refusal_names[i] + "\"",
                   app.metrics.heartbeats_refused(static_cast<heartbeat_refusal>(i)));
}

void write_uploads_and_catalog(metrics_text& out, festival_app& app) {
    out.family("festival_upload_bytes_received_total", "counter", "Film upload bytes written to disk.");
    out.sample("festival_upload_bytes_received_total", "", app.metrics.upload_bytes());
    out.family("festival_catalog_write_duration_seconds", "histogram",
               "Catalog write transactions of the server, BEGIN IMMEDIATE to COMMIT (lock wait included).");
    const auto& writes = app.metrics.catalog_writes();
    out.histogram("festival_catalog_write_duration_seconds", "", writes.counts(), writes.sum_seconds());
}

void write_transcoding(metrics_text& out, festival_app& app) {
    const auto jobs = catalog::job_queue_summary(app.catalog.local());
    out.family("festival_transcode_jobs", "gauge", "Transcode jobs in the catalog, by state.");
    for (const auto& [status, count] : jobs.by_status)
        out.sample("festival_transcode_jobs", std::string("state=\"") + catalog::to_string(status) + "\"", count);
    out.family("festival_transcode_running_frames_per_second", "gauge",
               "Frames transcoded per second of work, summed over the running jobs (their last heartbeat).");
    out.sample("festival_transcode_running_frames_per_second", "", jobs.running_fps);
    out.family("festival_transcode_done_frames_per_second", "gauge",
               "Mean final speed of the last 20 finished jobs, frames per second of work (absent before any).");
    if (jobs.recent_done_fps) out.sample("festival_transcode_done_frames_per_second", "", *jobs.recent_done_fps);
    out.family("festival_transcoder_workers", "gauge", "Transcoder worker processes: wanted, and running now.");
    const auto* supervisor = app.transcoders.load();
    const std::int64_t wanted = supervisor ? supervisor->wanted() : 0;
    const std::int64_t running = supervisor ? supervisor->running() : 0;
    out.sample("festival_transcoder_workers", "state=\"wanted\"", wanted);
    out.sample("festival_transcoder_workers", "state=\"running\"", running);
}

void write_process(metrics_text& out) {
    out.family("festival_process_resident_memory_bytes", "gauge", "Resident memory of the server process.");
    out.sample("festival_process_resident_memory_bytes", "", resident_memory_bytes());
    out.family("festival_process_open_fds", "gauge", "Open file descriptors of the server process.");
    out.sample("festival_process_open_fds", "", open_descriptors());
}

}  // namespace

std::string festival_metrics_text(festival_app& app, const http_metrics* http) {
    std::string text;
    metrics_text out(text);
    if (http) http->write(out);
    write_audience(out, app);
    write_uploads_and_catalog(out, app);
    write_transcoding(out, app);
    write_process(out);
    return text;
}

}  // namespace festival::server
