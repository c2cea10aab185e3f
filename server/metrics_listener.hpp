#pragma once
// The private listener of GET /metrics (--metrics-listen): a small HTTP server of its own, one loop
// and one worker on their own threads, so a scrape never queues behind viewers and viewers never
// reach the metrics on the public address.
#include <memory>
#include <string>
#include <thread>

namespace festival::server {

struct festival_app;
class dispatcher;
class http_server;

class metrics_listener {
public:
    // Listens on `listen` (ADDRESS:PORT) now and serves from a thread; `counted` is the public
    // server whose requests the metrics show.
    metrics_listener(festival_app& app, const http_server& counted, const std::string& listen);
    ~metrics_listener();  // stops serving and joins the thread
    metrics_listener(const metrics_listener&) = delete;
    metrics_listener& operator=(const metrics_listener&) = delete;

    unsigned short port() const;

private:
    std::unique_ptr<dispatcher> routes_;
    std::unique_ptr<http_server> server_;
    std::thread thread_;
};

}  // namespace festival::server
