#include "server/http/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/http/connection.hpp"
#include "server/http/connection_errors.hpp"
#include "server/http/metrics.hpp"

namespace festival::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The listener and the loops: accepts connections and spreads them over the event loops, and stops
// them all on a signal or stop() once requests in flight have finished.
struct http_server::impl {
    // The first loop, run by the thread that calls run(), also runs the acceptor and the signals.
    // Declared before what uses their contexts; destroyed after the thread pools, whose queued
    // handlers hold connections.
    std::vector<std::unique_ptr<event_loop>> loops;
    asio::io_context& io;  // the first loop's
    std::size_t next_loop = 0;
    server_context shared;
    tcp::acceptor acceptor;
    asio::signal_set signals;
    asio::steady_timer drain_timer;
    std::unique_ptr<http_metrics> metrics;  // a shard per loop, when counted

    impl(server_options o, const request_handler& d)
        : loops(make_loops(o.io_threads)),
          io(loops.front()->context),
          shared(std::move(o), d),
          acceptor(io),
          signals(io, SIGINT, SIGTERM),
          drain_timer(io) {
        const tcp::endpoint endpoint(asio::ip::make_address(shared.options.address), shared.options.port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        if (shared.options.metrics) {
            metrics = std::make_unique<http_metrics>(d.routes(), loops.size());
            for (std::size_t i = 0; i < loops.size(); ++i) loops[i]->metrics = &metrics->loop(i);
        }
    }

    static std::vector<std::unique_ptr<event_loop>> make_loops(int count) {
        std::vector<std::unique_ptr<event_loop>> made;
        for (int i = 0; i < std::max(count, 1); ++i) made.push_back(std::make_unique<event_loop>());
        return made;
    }

    // Spreads new connections over the loops in turn.
    event_loop& loop_for_next_connection() { return *loops[next_loop++ % loops.size()]; }

    void stop_loops() {
        for (auto& loop : loops) loop->context.stop();
    }

    int requests_in_flight() const {
        int sum = 0;
        for (const auto& loop : loops) sum += loop->requests_in_flight.load();
        return sum;
    }

    void accept();
    void begin_shutdown();
    void wait_for_drain();
};

void http_server::impl::accept() {
    auto& loop = loop_for_next_connection();
    acceptor.async_accept(loop.context, [this, &loop](boost::system::error_code ec, accepted_socket socket) {
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
            // e.g. EMFILE: pause instead of spinning, and keep accepting once descriptors free up.
            log_connection_error(ec, "accept");
            auto pause = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(50));
            pause->async_wait([this, pause](boost::system::error_code) {
                if (acceptor.is_open()) accept();
            });
            return;
        }
        serve_connection(std::move(socket), shared, loop);
        accept();
    });
}

void http_server::impl::begin_shutdown() {
    if (shared.stopping.exchange(true)) return;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    log_event("shutdown", {{"in_flight", requests_in_flight()}});
    drain_timer.expires_after(shared.options.shutdown_grace);
    wait_for_drain();
}

// Idle keep-alive connections would keep the io_context busy forever; once no request is in
// flight (or the grace period ends) the loop stops.
void http_server::impl::wait_for_drain() {
    if (requests_in_flight() == 0 || drain_timer.expiry() <= std::chrono::steady_clock::now()) {
        stop_loops();
        return;
    }
    auto poll = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(20));
    poll->async_wait([this, poll](boost::system::error_code) { wait_for_drain(); });
}

http_server::http_server(server_options options, const request_handler& routes)
    : impl_(std::make_unique<impl>(std::move(options), routes)) {}

http_server::~http_server() {
    impl_->shared.workers.join();
    impl_->shared.password_workers.join();
}

unsigned short http_server::port() const { return impl_->acceptor.local_endpoint().port(); }

const http_metrics* http_server::metrics() const { return impl_->metrics.get(); }

void http_server::run() {
    impl_->signals.async_wait([this](boost::system::error_code ec, int) {
        if (!ec) impl_->begin_shutdown();
    });
    impl_->accept();
    for (auto& loop : impl_->loops) asio::post(loop->context, [&loop] { loop->sweep(); });
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < impl_->loops.size(); ++i)
        threads.emplace_back([&loop = *impl_->loops[i]] { loop.context.run(); });
    impl_->io.run();
    impl_->stop_loops();
    for (auto& t : threads) t.join();
    impl_->shared.workers.join();
    impl_->shared.password_workers.join();
}

void http_server::stop() {
    asio::post(impl_->io, [this] { impl_->begin_shutdown(); });
}

}  // namespace festival::server
