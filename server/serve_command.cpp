#include "server/serve_command.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/schema.hpp"
#include "catalog/worker_tokens.hpp"
#include "server/audience/audience_writer.hpp"
#include "server/room/room_writer.hpp"
#include "server/background_thread.hpp"
#include "server/data_dir_lock.hpp"
#include "server/demo_festival.hpp"
#include "server/api/dispatcher.hpp"
#include "server/api/media_token.hpp"
#include "server/festival_app.hpp"
#include "server/http/http_server.hpp"
#include "server/http/inherited_listener.hpp"
#include "server/metrics_listener.hpp"
#include "server/api/routes.hpp"
#include "server/restart_handover.hpp"
#include "server/scheduled_backups.hpp"
#include "server/service_manager.hpp"
#include "server/transcoder_supervisor.hpp"
#include "server/uploads/upload_cleaner.hpp"
#include "server/web_assets.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

// Re-reads film availability every few seconds (transcoders publish from other processes) and
// purges expired sessions now and then, until told to stop.
class availability_refresher {
public:
    explicit availability_refresher(festival_app& app) { thread_.start([this, &app] { loop(app); }); }

private:
    void loop(festival_app& app) {
        int rounds = 0;
        while (thread_.sleep_for(std::chrono::seconds(2))) {
            try {
                app.refresh_availability();
                if (++rounds % 1800 == 0) catalog::purge_expired_sessions(app.catalog.local());
            } catch (const std::exception& e) {
                log_event("refresh_failed", {{"what", e.what()}});
            }
        }
    }

    background_thread thread_;
};

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
    return name;
}

// Each viewer holds a keep-alive connection: allow as many descriptors as the system lets us.
void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

}  // namespace

int serve_command(const std::vector<std::string>& args) {
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
        std::fputs(settings_help().c_str(), stdout);
        return 0;
    }
    reserve_restart_signal();  // before any thread starts
    auto predecessor = take_predecessor_link();
    std::shared_ptr<const config> settings;
    server_options http_options;
    try {
        settings = load_config(args);
        http_options = settings->http;
        if (const auto inherited = take_inherited_listener()) http_options.listener_fd = *inherited;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "festival serve: %s\n", e.what());
        return 2;
    }
    log_event("config", {{"config", settings->to_json()}});
    // A page whose script or library is missing fails in every viewer's browser: refuse to start instead.
    if (!web_assets_complete(settings->web_dir, settings->vendor_dir)) return 1;
    std::filesystem::create_directories(settings->media_dir());
    // Held shared until the process ends (a successor shares it); `festival restore` needs it alone.
    // A folder where the lock file cannot be made (a read-only disk) still serves what it can.
    std::optional<data_dir_lock> running;
    bool restoring = false;
    try {
        if (auto lock = data_dir_lock::try_acquire(settings->data_dir, data_dir_lock::mode::shared))
            running.emplace(std::move(*lock));
        else
            restoring = true;
    } catch (const std::system_error& e) {
        log_event("data_dir_unlocked", {{"what", e.what()}});
    }
    if (restoring) {
        std::fprintf(stderr, "festival serve: %s is being restored; start the festival when the restore is done\n",
                     settings->data_dir.c_str());
        return 1;
    }
    raise_descriptor_limit();
    try {
        media_token_signer::from_config(*settings);  // made here at first start; a bad one stops the start
    } catch (const std::exception& e) {
        std::fprintf(stderr, "festival serve: %s\n", e.what());
        return 2;
    }
    // The films' country rules hold only with a geo database: say which, or that they are off.
    try {
        if (settings->geo_database.empty()) {
            log_event("geo_off", {{"why", "no geo-database set: films' country rules are not enforced"}});
        } else {
            const geo::country_database opened(settings->geo_database);  // a missing or broken file stops the start
            log_event("geo_database", {{"path", settings->geo_database}});
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "festival serve: %s\n", e.what());
        return 2;
    }

    festival_app app(settings);
    if (settings->test_disk_free_bytes) app.uploads.use_test_free_bytes(static_cast<std::uint64_t>(*settings->test_disk_free_bytes));
    {
        auto& db = app.catalog.local();
        catalog::migrate(db);
        if (settings->demo && seed_demo_catalog(db))
            log_event("demo_seeded", {{"accounts", {"curator@demo.festival", "organizer@demo.festival"}},
                                      {"password", demo_password}});
        app.refresh_availability();
    }

    dispatcher routes(router(festival_routes(app)),
                      [&app](const std::string& token) { return catalog::find_session(app.catalog.local(), token); },
                      https_policy(settings->public_url), [&app](const std::string& token) {
                          return catalog::find_worker_by_token(app.catalog.local(), token, catalog::unix_now());
                      });
    std::unique_ptr<http_server> server;
    try {
        server = std::make_unique<http_server>(http_options, routes);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "festival serve: cannot listen on %s:%u: %s\n", settings->http.address.c_str(),
                     settings->http.port, e.what());
        return 1;
    }
    std::unique_ptr<metrics_listener> metrics;
    if (!settings->metrics_listen.empty()) {
        try {
            metrics = std::make_unique<metrics_listener>(app, *server, settings->metrics_listen);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "festival serve: cannot listen for metrics on %s: %s\n",
                         settings->metrics_listen.c_str(), e.what());
            return 1;
        }
    }
    log_event("listening",
              {{"url", "http://" + server->address() + ":" + std::to_string(server->port()) + "/"},
               {"inherited_socket", http_options.listener_fd >= 0}},
              stdout);
    if (metrics) {  // announced after the public address, which scripts wait for first
        std::string address;
        unsigned short port = 0;
        parse_listen(settings->metrics_listen, address, port);
        log_event("metrics_listening",
                  {{"metrics_url", "http://" + address + ":" + std::to_string(metrics->port()) + "/metrics"}}, stdout);
    }

    auto worker_settings = settings->worker;
    worker_settings.catalog = settings->catalog;  // "" = the data folder's catalog.db, which workers find themselves
    transcoder_supervisor transcoders(settings->transcoder_path, settings->data_dir, settings->transcoders,
                                      worker_settings);
    transcoders.start();
    app.transcoders = &transcoders;
    std::thread demo_media;
    if (settings->demo) {
        demo_media = std::thread([&app, settings] {
            try {
                queue_demo_media(app.catalog.local(), settings->transcoder_path, settings->data_dir);
            } catch (const std::exception& e) {
                log_event("demo_media_failed", {{"what", e.what()}});
            }
        });
    }
    availability_refresher refresher(app);
    const auto node_name =
        settings->node_name.empty() ? host_name() + ":" + std::to_string(server->port()) : settings->node_name;
    app.rooms.set_node_name(node_name);  // the holder named in room_holders
    try {  // a shared catalog: this node's name and the day keys, before any viewer is hashed
        app.audience.join_nodes(app.catalog.local(), node_name);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "festival serve: cannot join the other nodes: %s\n", e.what());
        return 1;
    }
    audience_writer audience_batches(app.audience, app.catalog);
    room_writer room_batches(app.rooms, app.catalog);
    upload_cleaner abandoned_uploads(app);
    std::optional<backup_scheduler> backups;
    if (settings->backup_every_minutes > 0)
        backups.emplace(backup_schedule{settings->catalog_location(), settings->backup_folder(), settings->backup_keep},
                        std::chrono::minutes(settings->backup_every_minutes));
    std::optional<restart_handover> restarts;
    restarts.emplace(own_serve_command(args), server->listener_descriptor(), [&server, &app](pid_t successor) {
        notify_service_manager("MAINPID=" + std::to_string(successor) + "\nREADY=1");
        server->drain();
        return app.audience.hand_over(app.catalog.local());  // plays go on in the successor
    });
    if (report_ready_to_predecessor(predecessor)) {
        // Nothing is accepted here until the predecessor has stopped counting: connections wait in
        // the socket's queue meanwhile.
        if (const auto state = receive_handed_over_state(predecessor); !state.empty()) {
            try {
                app.audience.take_over(state);
                log_event("audience_taken_over", {{"bytes", state.size()}});
            } catch (const std::exception& e) {
                log_event("audience_takeover_failed", {{"what", e.what()}});
            }
        }
    } else {
        notify_service_manager("READY=1");
    }
    server->run();
    restarts.reset();  // no successor may start once this server no longer listens
    metrics.reset();  // no scrape outlives what it reads
    audience_batches.stop();  // writes the last batch of heartbeats
    room_batches.stop();  // writes what the rooms said in their last second
    stop_queueing_demo_media();  // the clip being made finishes; no new one starts
    if (demo_media.joinable()) demo_media.join();
    transcoders.stop();
    log_event("stopped");
    return 0;
}

}  // namespace festival::server
