#pragma once
// A WebSocket connection (RFC 6455) after its upgrade request: the handshake, reads, the write queue,
// keep-alive pings and closes, driving a websocket_session (server/http/websocket.hpp). The one
// translation unit that instantiates Beast's websocket stream (websocket_connection.cpp).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "server/http/event_loop.hpp"
#include "server/http/http_message.hpp"
#include "server/http/server_context.hpp"

namespace festival::server {

struct route;

// What the HTTP connection hands over once a handler accepted an upgrade.
struct websocket_upgrade {
    accepted_socket socket;
    http_request request;
    unsigned http_version = 11;  // 10 or 11, as the request line said
    std::string buffered;        // bytes the client sent after the request, already read
    http_response response;      // the handler's: session, settings, extra header lines
    const route* matched = nullptr;
    std::chrono::steady_clock::time_point started;  // the request's header arrived
};

// Whether the request asks for a WebSocket (GET, HTTP/1.1, `Connection: upgrade`, `Upgrade:
// websocket`); anything else is answered 426 by the connection.
bool is_websocket_upgrade(const http_request& request, unsigned http_version);

// Completes the handshake (101, or Beast's 400/426 when the key or version is wrong) on `loop` and
// serves the connection until it ends. The access log and metrics count it with its handshake status.
void serve_websocket(websocket_upgrade upgrade, server_context& server, event_loop& loop);

}  // namespace festival::server
