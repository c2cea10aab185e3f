#pragma once
// What the access log may say about a request (docs/security.md): no viewer can be followed
// through it. Addresses lose their host part, play ids are left out of paths.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/http_message.hpp"

namespace festival::server {

// The client's network, not the client: an IPv4 /24 ("203.0.113.0"), an IPv6 /48 ("2001:db8:1::").
std::string address_for_log(std::string_view address);

// The path with each play id replaced by '-': "/api/plays/<id>/heartbeat" → "/api/plays/-/heartbeat".
// A play id ties one viewer's reports together; the route is what an operator needs.
std::string path_for_log(std::string_view path);

// Writes the access log's line for an answered request to stdout: time, client network, method,
// path, status, body bytes sent and the microseconds since `started`. Lines never interleave.
void write_access_line(const http_request& request, int status, std::uint64_t bytes,
                       std::chrono::steady_clock::time_point started);

}  // namespace festival::server
