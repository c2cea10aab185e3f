#pragma once
// WebSocket (RFC 6455) as handlers see it, without Beast or sockets: a route's handler answers an
// upgrade request with an http_response whose `websocket` is set; the HTTP core then completes the
// handshake (or answers 400/426 when the request is no valid upgrade) and drives the connection,
// calling the session below. Text messages only; a binary one closes the connection (1003).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace festival::server {

// The core's side of one open WebSocket, handed to the session when it opens. Every member may be
// called from any thread.
class websocket_peer {
public:
    virtual ~websocket_peer() = default;
    // Queues one text message. A broadcast passes the same string to every peer: it is framed per
    // connection, never copied. A peer whose queue holds more than websocket_options::max_queued_bytes
    // (a client that stopped reading) is closed with 1008 and the message dropped.
    virtual void send(std::shared_ptr<const std::string> text) = 0;
    // Sends what is queued, then closes with this status code (1000 normal, 1008 policy …) and reason.
    virtual void close(std::uint16_t code, std::string_view reason) = 0;
};

// The application's side of one WebSocket, made by the route's handler.
class websocket_session {
public:
    virtual ~websocket_session() = default;
    // The handshake is done. The peer may be kept and used until, and even after, on_close (then its
    // calls do nothing).
    virtual void on_open(std::shared_ptr<websocket_peer> peer) = 0;
    // One whole text message from the client, on the connection's I/O thread: hand anything that may
    // block (the catalog, the disk) to another thread. Calls for one connection never overlap.
    virtual void on_message(std::string_view text) = 0;
    // Exactly once after on_open, when the connection ends for any reason: the client closed, a ping
    // went unanswered (the client vanished), the server is stopping, or close() was called.
    virtual void on_close() = 0;
};

struct websocket_options {
    std::size_t max_message_bytes = 4096;     // a longer message closes the connection (1009)
    std::size_t max_queued_bytes = 256 * 1024;  // see websocket_peer::send
    // A silent client is pinged after half of this and dropped after all of it without an answer.
    std::chrono::seconds idle_timeout{20};
};

}  // namespace festival::server
