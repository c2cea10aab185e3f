#pragma once
// Plain HTTP request/response values. Handlers see only these, never Beast or sockets, so they are
// compiled without Boost headers and tested without a network.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/accounts.hpp"
#include "server/http/websocket.hpp"

namespace festival::server {

// The values of a matched route's {name} segments, by name. Kept flat, and reused by a connection from
// one request to the next, so that matching a route allocates nothing once the strings have grown.
class route_params {
public:
    // The value of `name`; throws std::out_of_range when the route has no such segment.
    const std::string& at(std::string_view name) const;
    const std::string* find(std::string_view name) const;
    void set(std::string_view name, std::string_view value);
    void clear() { used_ = 0; }

private:
    std::vector<std::pair<std::string, std::string>> entries_;  // the first used_ are current
    std::size_t used_ = 0;
};

struct http_request {
    std::string method;  // upper-case: GET, POST, …
    std::string target;  // as received: path plus query
    std::string path;    // percent-decoded path without the query
    std::string query;   // raw query string, without '?'
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
    std::string body;
    std::string remote_address;
    // Whether the client's request came over HTTPS: never straight to the festival (it speaks no
    // TLS); through a trusted proxy, as it says (server/http/forwarded_for). Decided with the address.
    bool forwarded_https = false;
    route_params params;  // filled by the router from {name} segments
    std::optional<catalog::signed_in> session;  // filled by the dispatcher when a valid cookie came
    std::string worker;  // worker routes: the name of the worker whose bearer token came (dispatcher)
    bool on_worker_pool = false;  // an I/O-thread route's handler handed it to the worker pool (below)

    std::optional<std::string_view> header(std::string_view lower_case_name) const;
    // A query parameter, percent-decoded; nullopt when absent.
    std::optional<std::string> query_param(std::string_view name) const;
    // A whole-number query parameter from 1 to `high`, `fallback` when absent; 400 invalid_query otherwise.
    int query_number(std::string_view name, int fallback, int high) const;
    std::optional<std::string> cookie(std::string_view name) const;
    // The body parsed as JSON; throws http_error 400 with the parser's message when malformed.
    nlohmann::json json_body() const;
};

// An open file shared between the cache and responses in flight; closed with its last user.
struct open_file {
    int fd = -1;
    std::uint64_t size = 0;
    explicit open_file(int descriptor, std::uint64_t bytes) : fd(descriptor), size(bytes) {}
    open_file(const open_file&) = delete;
    open_file& operator=(const open_file&) = delete;
    ~open_file();
};

// A byte range of a file sent with sendfile(2) after the header.
struct file_range {
    std::shared_ptr<const open_file> file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

// A server-sent event stream (text/event-stream): `poll` runs on the worker pool every `interval`;
// what it returns (already framed, e.g. "data: {...}\n\n") is sent, an empty string sends nothing,
// nullopt ends the stream. The stream also ends when the client leaves or the server stops.
struct event_stream {
    std::chrono::milliseconds interval{1000};
    std::function<std::optional<std::string>()> poll;
};

// Text in static storage, held by view and never copied. Made only from a string literal (the
// constructor runs at compile time), so it cannot outlive what it points at.
class static_text {
public:
    template <std::size_t N>
    consteval static_text(const char (&literal)[N]) : text_(literal, N - 1) {}
    constexpr std::string_view view() const { return text_; }

private:
    std::string_view text_;
};

struct http_response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    // Lines ("Name: value\r\n") many answers share, e.g. a cached file's type and validators: sent
    // after `headers` as they are, formatted once instead of per request. header() and set_header()
    // see them like the others.
    std::shared_ptr<const std::string> shared_header_lines;
    // Lines fixed by the route, e.g. its cache policy, sent after those; seen the same way.
    static_text static_header_lines = "";
    std::string body;
    std::optional<file_range> file;  // when set, the body comes from the file instead of `body`
    std::shared_ptr<event_stream> events;  // when set, `body` is sent first, then the events
    // When set, the request was a WebSocket upgrade that the handler accepts: the core completes the
    // handshake with these options and the session drives the connection (server/http/websocket.hpp).
    std::shared_ptr<websocket_session> websocket;
    websocket_options websocket_settings;
    bool close_connection = false;
    // From a handler on an I/O thread: nothing to send; run the handler again on the worker pool (with
    // the request's on_worker_pool set), for the rare case that must read the catalog.
    bool to_worker_pool = false;

    http_response& set_header(std::string name, std::string value);
    std::optional<std::string_view> header(std::string_view name) const;

    static http_response json(int status, const nlohmann::json& value);
    static http_response no_content();
};

// Thrown by handlers; the dispatcher turns it into {"error":{"code","message"}} with this status.
class http_error : public std::runtime_error {
public:
    http_error(int status, std::string code, const std::string& message)
        : std::runtime_error(message), status_(status), code_(std::move(code)) {}
    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }

private:
    int status_;
    std::string code_;
};

http_response error_response(int status, std::string_view code, std::string_view message);

// Whether a Content-Type value names exactly `type` ("application/json"): the media type before any
// ';', trimmed, compared without regard to case. Parameters are not searched.
bool media_type_is(std::string_view content_type, std::string_view type);

// Decodes %XX and, when `plus_is_space`, '+'. Returns nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace festival::server
