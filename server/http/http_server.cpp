#include "server/http/http_server.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <system_error>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/http/connection.hpp"
#include "server/http/connection_errors.hpp"
#include "transcoder/process/log_event.hpp"
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
        if (shared.options.metrics) {
            metrics = std::make_unique<http_metrics>(d.routes(), loops.size());
            for (std::size_t i = 0; i < loops.size(); ++i) loops[i]->metrics = &metrics->loop(i);
        }
        if (shared.options.listener_fd >= 0) {
            sockaddr_storage bound{};
            socklen_t size = sizeof bound;
            ::getsockname(shared.options.listener_fd, reinterpret_cast<sockaddr*>(&bound), &size);
            acceptor.assign(bound.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), shared.options.listener_fd);
            return;
        }
        const tcp::endpoint endpoint(asio::ip::make_address(shared.options.address), shared.options.port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        if (shared.options.reuse_port) {
            const int on = 1;
            if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
                throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
        }
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
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

    int open_websockets() const {
        int sum = 0;
        for (const auto& loop : loops) sum += loop->open_websockets.load(std::memory_order_relaxed);
        return sum;
    }

    int open_connections() const {
        int sum = 0;
        for (const auto& loop : loops) sum += loop->open_connections.load(std::memory_order_relaxed);
        return sum;
    }

    void accept();
    // `hand_over`: a successor serves from now on, so connections are left to end on their own.
    void begin_shutdown(bool hand_over);
    void wait_for_drain(bool until_connections_closed);
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

void http_server::impl::begin_shutdown(bool hand_over) {
    if (shared.stopping.exchange(true)) return;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    log_event(hand_over ? "draining" : "shutdown",
              {{"in_flight", requests_in_flight()}, {"connections", open_connections()}});
    // WebSocket clients are told to reconnect: elsewhere (going away), or to the successor (restart).
    const std::uint16_t code = hand_over ? 1012 : 1001;
    for (auto& loop : loops) asio::post(loop->context, [&loop, code] { loop->close_websockets(code); });
    drain_timer.expires_after(shared.options.shutdown_grace);
    wait_for_drain(hand_over);
}

// Idle keep-alive connections would keep the io_context busy forever; on shutdown the loops stop
// once no request is in flight and every WebSocket has closed, on a hand-over once every connection
// has ended (their clients go on with the successor), and in any case when the grace period ends.
void http_server::impl::wait_for_drain(bool until_connections_closed) {
    const bool done = until_connections_closed ? open_connections() == 0
                                               : requests_in_flight() == 0 && open_websockets() == 0;
    if (done || drain_timer.expiry() <= std::chrono::steady_clock::now()) {
        if (!done) log_event("grace_ended", {{"in_flight", requests_in_flight()}, {"connections", open_connections()}});
        stop_loops();
        return;
    }
    auto poll = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(20));
    poll->async_wait([this, poll, until_connections_closed](boost::system::error_code) {
        wait_for_drain(until_connections_closed);
    });
}

http_server::http_server(server_options options, const request_handler& routes)
    : impl_(std::make_unique<impl>(std::move(options), routes)) {}

http_server::~http_server() {
    impl_->shared.workers.join();
    impl_->shared.password_workers.join();
}

unsigned short http_server::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string http_server::address() const { return impl_->acceptor.local_endpoint().address().to_string(); }

int http_server::listener_descriptor() const { return impl_->acceptor.native_handle(); }
const http_metrics* http_server::metrics() const { return impl_->metrics.get(); }

void http_server::run() {
    impl_->signals.async_wait([this](boost::system::error_code ec, int) {
        if (!ec) impl_->begin_shutdown(false);
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
    asio::post(impl_->io, [this] { impl_->begin_shutdown(false); });
}

void http_server::drain() {
    asio::post(impl_->io, [this] { impl_->begin_shutdown(true); });
}

}  // namespace festival::server
