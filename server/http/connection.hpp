#pragma once
// One HTTP/1.1 connection (connection.cpp): reads requests, runs their handlers, writes the answers,
// keeps the connection alive between them. Needs FESTIVAL_DRAINED_READ (socket_reader.hpp).
#include "server/http/event_loop.hpp"
#include "server/http/server_context.hpp"

namespace festival::server {

// Serves `socket` on `loop` until the client leaves, a deadline passes or the server stops.
void serve_connection(accepted_socket socket, server_context& server, event_loop& loop);

}  // namespace festival::server
