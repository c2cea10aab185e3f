#pragma once
// The HTTP/1.1 server: accepts connections, parses requests with Beast, runs the request_handler and
// writes responses (files with sendfile). Beast and Asio stay behind this pimpl.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "server/http/forwarded_for.hpp"

namespace festival::server {

class request_handler;
class http_metrics;

struct server_options {
    std::string address = "127.0.0.1";
    unsigned short port = 8080;  // 0 picks a free port
    int io_threads = 2;
    int worker_threads = 4;
    int password_threads = 1;                // runs_on::password_pool
    std::size_t password_queue_limit = 8;    // waiting or running there; more are answered 503
    std::chrono::seconds read_timeout{30};
    std::chrono::seconds idle_timeout{75};
    std::chrono::seconds shutdown_grace{10};
    std::size_t header_limit = 16 * 1024;
    trusted_proxies proxies;  // whose Forwarded / X-Forwarded-For are believed (none by default)
    bool access_log = true;
    int listener_fd = -1;  // an inherited listening socket (inherited_listener.hpp), used instead of binding
    // Header lines sent on every answer, the core's own refusals included ("Name: value\r\n" each),
    // e.g. Strict-Transport-Security when the festival is public over HTTPS.
    std::string every_answer_lines;
    bool metrics = false;  // count requests for metrics() (a scrape listener is configured)
    // Bind with SO_REUSEPORT, so that a successor can bind the same address while this server drains
    // (the metrics listener: the public socket is handed over instead, which loses no queued connection).
    bool reuse_port = false;
};

class http_server {
public:
    http_server(server_options options, const request_handler& routes);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    // The bound port (useful when the options asked for port 0) and address.
    unsigned short port() const;
    std::string address() const;
    // The listening socket's descriptor, to hand over to a successor while this server still listens.
    int listener_descriptor() const;
    // The requests' counters, or nullptr unless options.metrics.
    const http_metrics* metrics() const;
    // Serves until SIGINT/SIGTERM, stop() or drain(); requests in flight finish first.
    void run();
    void stop();
    // For a hand-over: stops accepting (a successor holds the same socket, so its queue is not lost)
    // and lets every connection end after its next answer, which says `Connection: close`; idle ones
    // stay open, as their client may be sending, until their idle deadline or the shutdown grace.
    void drain();

    struct impl;  // the listener and the loops, in http_server.cpp

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace festival::server
