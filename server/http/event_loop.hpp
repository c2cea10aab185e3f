#pragma once
// One event loop per I/O thread, like one worker process each: a connection lives on one loop and is
// never touched by two threads, so no strand is needed. Timeouts need no timer per operation: each
// connection keeps a deadline, and once a second each loop closes those of its connections that are
// past theirs (as nginx does with its timer tree). Needs FESTIVAL_DRAINED_READ (socket_reader.hpp).
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/http/socket_reader.hpp"

namespace festival::server {

class connection;
class websocket_connection;
struct exchange;
struct http_loop_counters;

using deadline_clock = std::chrono::steady_clock;

// The steady clock's own timeline (CLOCK_MONOTONIC) as of the kernel's last tick, a few ms old:
// deadlines need no better, and it costs a fraction of a precise read on every request.
inline deadline_clock::time_point coarse_now() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return deadline_clock::time_point(std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec));
}

// Defined in connection.cpp, where connections and exchanges are complete.
struct event_loop {
    event_loop();
    ~event_loop();
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;

    boost::asio::io_context context{1};  // run by one thread: Asio's one-thread fast paths apply
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running =
        boost::asio::make_work_guard(context);
    reader_loop_state reader;  // what connections' reads share
    boost::asio::steady_timer sweeper;
    std::vector<std::weak_ptr<connection>> connections;  // touched on this loop's thread only
    // Requests between dispatch and their answer's last byte; a counter per loop, on its own cache
    // line, so that counting costs no traffic between cores. Read by shutdown.
    alignas(64) std::atomic<int> requests_in_flight{0};
    // Connections of this loop not yet destroyed (counted once per connection, not per request):
    // a draining server waits for them to end.
    std::atomic<int> open_connections{0};
    // WebSockets of this loop (websocket_connection.cpp): the sweeper ends those past their closing
    // deadline, shutdown closes them all and waits for them as for requests in flight.
    std::vector<std::weak_ptr<websocket_connection>> websockets;
    std::atomic<int> open_websockets{0};
    // WebSockets of this loop with messages to write, queued by senders on any thread and started by
    // one posted handler for all of them (websocket_connection.cpp): a broadcast to a room costs one
    // post per loop, not one per connection, and no socket is written while the sender holds its lock.
    std::mutex ready_websockets_mutex;
    std::vector<std::weak_ptr<websocket_connection>> ready_websockets;
    bool ready_websockets_posted = false;
    void wake_websocket(std::weak_ptr<websocket_connection> ready);  // websocket_connection.cpp
    std::vector<std::unique_ptr<exchange>> spare_exchanges;  // last returned, first taken
    http_loop_counters* metrics = nullptr;  // this loop's shard of the metrics, when they are kept

    std::unique_ptr<exchange> take();
    void give_back(std::unique_ptr<exchange> x);
    // Closes the connections past their deadline, then again in a second.
    void sweep();
    void sweep_websockets(deadline_clock::time_point now);  // websocket_connection.cpp
    // Closes every WebSocket of this loop with `code` (1001 going away, 1012 service restart).
    void close_websockets(std::uint16_t code);
};

}  // namespace festival::server
