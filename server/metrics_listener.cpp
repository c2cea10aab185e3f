#include "server/metrics_listener.hpp"

#include "server/api/dispatcher.hpp"
#include "server/config.hpp"
#include "server/festival_app.hpp"
#include "server/http/http_server.hpp"
#include "server/metrics_exposition.hpp"

namespace festival::server {

metrics_listener::metrics_listener(festival_app& app, const http_server& counted, const std::string& listen) {
    server_options options;
    parse_listen(listen, options.address, options.port);
    options.io_threads = 1;
    options.worker_threads = 1;  // the exposition reads SQLite: never on the loop
    options.shutdown_grace = std::chrono::seconds(1);
    options.access_log = false;
    options.reuse_port = true;  // a restart's successor listens here before this process has drained
    const http_metrics* http = counted.metrics();
    std::vector<route> table = {
        {"GET", "/metrics", access::anyone, runs_on::worker_pool, 0, [&app, http](http_request&) {
             http_response response;
             response.body = festival_metrics_text(app, http);
             response.set_header("Content-Type", metrics_content_type);
             response.set_header("Cache-Control", "no-store");
             return response;
         }},
    };
    // No sessions on this listener: whoever reaches the address may scrape (bind it privately).
    routes_ = std::make_unique<dispatcher>(router(std::move(table)),
                                           [](const std::string&) -> std::optional<catalog::signed_in> { return std::nullopt; });
    server_ = std::make_unique<http_server>(options, *routes_);
    thread_ = std::thread([this] { server_->run(); });
}

metrics_listener::~metrics_listener() {
    server_->stop();
    thread_.join();
}

unsigned short metrics_listener::port() const { return server_->port(); }

}  // namespace festival::server
