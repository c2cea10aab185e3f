#pragma once
// What every connection shares with the server that accepted it: the options, the routes, the
// thread pools that run handlers, and whether the server is stopping.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <utility>

#include <boost/asio/thread_pool.hpp>

#include "server/http/http_server.hpp"
#include "server/http/request_handler.hpp"

namespace festival::server {

struct server_context {
    server_context(server_options o, const request_handler& d)
        : options(std::move(o)),
          routes(d),
          workers(static_cast<std::size_t>(options.worker_threads)),
          password_workers(static_cast<std::size_t>(std::max(options.password_threads, 1))) {}

    server_options options;
    const request_handler& routes;
    boost::asio::thread_pool workers;
    boost::asio::thread_pool password_workers;
    std::atomic<std::size_t> password_requests{0};  // queued or running on password_workers
    std::atomic<bool> stopping{false};
};

}  // namespace festival::server
