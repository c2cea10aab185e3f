#pragma once
// What every handler can reach: the configuration, the catalog, the in-memory film availability,
// the open-file cache and the media tokens' signer.
#include <atomic>
#include <memory>

#include "server/catalog_connections.hpp"
#include "server/config.hpp"
#include "server/festival_metrics.hpp"
#include "server/http/file_cache.hpp"
#include "server/api/film_availability.hpp"
#include "server/api/media_token.hpp"
#include "server/api/play_deadlines.hpp"
#include "server/audience/audience_registry.hpp"
#include "server/http/rate_limiter.hpp"
#include "server/room/room_registry.hpp"
#include "server/uploads/upload_probe_queue.hpp"
#include "server/uploads/upload_store.hpp"
#include "server/workers/input_digests.hpp"

namespace festival::server {

class transcoder_supervisor;

struct festival_app {
    explicit festival_app(std::shared_ptr<const config> c)
        : settings(std::move(c)), catalog(settings->catalog_location(), &metrics) {}

    // Re-reads film availability from the catalog; call on a worker thread after a film changes.
    void refresh_availability() {
        availability.replace(catalog::list_all_films(catalog.local()), catalog::every_film_rights(catalog.local()));
    }

    std::shared_ptr<const config> settings;
    festival_metrics metrics;  // before the catalog, which reports its write times to it
    const std::string media_root = settings->media_dir();  // asked for on every segment
    catalog_connections catalog;
    // Signs viewers' media URLs; its secret is read (or made, at first start) beside the catalog.
    media_token_signer media_tokens = media_token_signer::from_config(*settings);
    film_availability availability;
    // The country of a client address for the rights rules; null when no geo-database is set (rule off).
    std::unique_ptr<const geo::country_database> geo =
        settings->geo_database.empty() ? nullptr : std::make_unique<const geo::country_database>(settings->geo_database);
    play_deadlines deadlines;  // plays of films with a watch window: when each must stop
    upload_store uploads{settings->data_dir};
    file_cache files;
    input_digests remote_inputs;  // digests of remote transcode jobs' inputs, read once per node
    audience_registry audience{audience_settings::from_config(*settings)};  // plays and live counts
    room_registry rooms;  // the premiere rooms this node holds open
    viewer_limits viewers;  // per-viewer limits on anonymous feedback writes
    sign_in_limits sign_ins{std::chrono::seconds(settings->sign_in_window_seconds)};
    // The transcoder workers' supervisor, for readiness and metrics; set by `serve` once they start
    // (none in tests without a process).
    std::atomic<const transcoder_supervisor*> transcoders{nullptr};
    upload_probe_queue probes{*this};  // last: its threads stop before what they use goes
};

}  // namespace festival::server
