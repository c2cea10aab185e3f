#include "transcoder/catalog_job_source.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>
#include <vector>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/job_publication.hpp"
#include "catalog/jobs.hpp"
#include "catalog/schema.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/media/media_folders.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/media/version_links.hpp"
#include "transcoder/media/version_publisher.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::transcoder {
namespace {

namespace fs = std::filesystem;

class catalog_job_source final : public job_source {
public:
    explicit catalog_job_source(const catalog_source_options& o)
        : options_(o),
          layout_(fs::absolute(o.data_dir)),
          db_(catalog::open_catalog(o.catalog.empty() ? layout_.catalog_db().string() : o.catalog)),
          publisher_(layout_, store_) {}

    void start() override { sweep_abandoned_output(); }

    // A claim may have given up on jobs whose workers died: their partial output goes once the queue
    // is empty, not at the next start only.
    void idle() override { sweep_abandoned_output(); }

    std::optional<prepared_job> next_job() override {
        auto job = catalog::claim_job(db_, options_.worker_id, options_.lease_seconds, catalog::unix_now());
        if (!job) return std::nullopt;
        log_event("job_claimed", {{"job", job->id}, {"film", job->film_id}, {"attempt", job->attempts},
                                  {"worker", options_.worker_id}});
        const auto staged = publisher_.stage(job->film_id, job->id);
        if (staged.stale_removed) log_event("stale_output_removed", {{"job", job->id}, {"film", job->film_id}});
        prepared_job prepared{*job, staged.folder.root(), std::nullopt, std::nullopt, {}, false};
        if (job->kind == "audio") {
            prepared.base = stage_audio_job(*job, staged.folder, prepared.error);
            if (!prepared.base) {
                prepared.ended = job_outcome::failed;
                prepared.permanent = true;
            }
        }
        return prepared;
    }

    // Often enough for a curator watching progress, and three beats per lease at least.
    std::chrono::milliseconds report_every() const override {
        return std::chrono::milliseconds(std::clamp(options_.lease_seconds * 1000 / 3, 200, 2000));
    }

    bool report(const prepared_job& p, const catalog::job_progress& progress) override {
        try {
            return catalog::heartbeat_job(db_, p.job.id, options_.worker_id, progress, options_.lease_seconds,
                                          catalog::unix_now());
        } catch (const catalog::database_error& e) {
            // Busy for longer than the timeout: the next beat still comes well within the lease.
            log_event("heartbeat_failed", {{"job", p.job.id}, {"error", e.what()}});
            return true;
        }
    }

    void finish(const prepared_job& p) override {
        const auto& job = p.job;
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

    void fail(const prepared_job& p, const std::string& error, bool permanent) override {
        publisher_.abandon(p.job.film_id, p.job.id);
        catalog::fail_job(db_, p.job.id, options_.worker_id, error, permanent);
        log_event("job_failed", {{"job", p.job.id}, {"error", error}, {"permanent", permanent}});
    }

    void lost(const prepared_job& p) override {
        publisher_.abandon(p.job.film_id, p.job.id);
        log_event("job_lost", {{"job", p.job.id}, {"reason", "cancelled or lease taken over"}});
    }

    void release(const prepared_job& p) override {
        publisher_.abandon(p.job.film_id, p.job.id);
        catalog::release_job(db_, p.job.id, options_.worker_id);
        log_event("job_released", {{"job", p.job.id}});
    }

private:
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

    catalog_source_options options_;
    media::media_layout layout_;
    catalog::database db_;
    media::disk_version_store store_;
    media::version_publisher publisher_;
};

}  // namespace

std::unique_ptr<job_source> make_catalog_job_source(const catalog_source_options& options) {
    return std::make_unique<catalog_job_source>(options);
}

}  // namespace festival::transcoder
