#pragma once
// The route table's vocabulary and its matcher. The table itself lives in routes.cpp.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string_view>
#include <string>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "server/http/http_message.hpp"

namespace festival::server {

// Who may call a route. Organizers can do everything curators can. `worker`: transcoder workers on
// other hosts, by bearer token only (no session); their token opens no other route.
enum class access { anyone, curator, organizer, worker };

// Where a handler runs: cheap, non-blocking work (memory lookups, cached files) stays on the I/O
// thread; anything touching SQLite or the disk in bulk goes to the worker pool; hashing a password
// (argon2id, 64 MiB, slow on purpose) goes to a small pool of its own with a bounded queue, so a
// flood of sign-ins cannot starve the other routes (503 once the queue is full).
enum class runs_on { io_thread, worker_pool, password_pool };

using handler = std::function<http_response(http_request&)>;

// Receives a body too large to hold in memory (film uploads) piece by piece. Every call runs on the
// worker pool, one at a time per request, and the next piece is read only after write() returns.
class body_sink {
public:
    virtual ~body_sink() = default;
    // The next piece of the body. Throwing (http_error) stops the transfer with that answer.
    virtual void write(std::string_view piece) = 0;
    // The whole body has arrived: make it durable and answer.
    virtual http_response finish() = 0;
    // The client went away or stalled mid-body: keep what arrived, durably, for a later resume.
    virtual void interrupted() noexcept = 0;
};

// Opens a sink for a request whose header is known and whose role and CSRF checks passed, before any
// body byte is read; it may refuse by throwing http_error (a wrong offset, a body over the limit …).
using sink_opener = std::function<std::unique_ptr<body_sink>(http_request&)>;

struct route {
    std::string method;
    std::string pattern;  // "/api/films/{key}"; a last segment "{rest...}" takes the remainder
    access needs = access::anyone;
    runs_on where = runs_on::worker_pool;
    std::size_t body_limit = 64 * 1024;
    handler handle;
    sink_opener open_sink = {};  // set instead of buffering the body into `http_request::body`
};

// Writes by signed-in roles need the session's CSRF token; true for every such route.
bool needs_csrf(const route& r);

struct route_match {
    const route* found = nullptr;
    bool path_known = false;  // some route has this path, with another method (405)
    route_params params;
};

class router {
public:
    explicit router(std::vector<route> routes);
    route_match match(std::string_view method, std::string_view path) const;
    // The same into `out`, whose parameter strings keep their storage from one request to the next.
    void match(std::string_view method, std::string_view path, route_match& out) const;
    const std::vector<route>& routes() const { return routes_; }

private:
    // A pattern split once at start-up: literal segments, {name} and a final {name...}.
    struct segment {
        enum class kind { literal, variable, rest } what;
        std::string text;  // the literal, or the parameter's name
    };
    std::vector<route> routes_;
    std::vector<std::vector<segment>> patterns_;  // parallel to routes_
    // Route indexes by their first segment, so a request tries only the routes that can match it:
    // those whose first segment is this literal, and those whose first segment is a parameter.
    std::map<std::string, std::vector<std::size_t>, std::less<>> by_first_literal_;
    std::vector<std::size_t> open_first_segment_;
    static std::vector<segment> compile(std::string_view pattern);
    using split_path = boost::container::small_vector<std::string_view, 12>;
    static split_path split(std::string_view path);
    static bool matches(const std::vector<segment>& pattern, const split_path& path, route_params* params);
};

}  // namespace festival::server
