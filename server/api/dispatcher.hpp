#pragma once
// The one place where a matched request meets its handler: role and CSRF checks, and every
// exception turned into the JSON error shape.
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "server/http/router.hpp"

namespace festival::server {

// Looks a session cookie up; may block (SQLite), so it is only called on the worker pool.
using session_finder = std::function<std::optional<catalog::signed_in>(const std::string& token)>;

inline constexpr const char* session_cookie_name = "festival_session";

class dispatcher {
public:
    dispatcher(router routes, session_finder find_session);

    const router& routes() const { return routes_; }
    // Runs the handler of `match` for `request`, enforcing access; never throws. The match's
    // parameters move into the request.
    http_response run(route_match& match, http_request& request) const;
    // For streaming routes: checks access and opens the route's body sink; on refusal, the answer.
    std::unique_ptr<body_sink> open_sink(route_match& match, http_request& request, http_response& refusal) const;
    // Runs a sink step, turning any exception into the JSON error answer; true when it succeeded.
    // The step is called by reference, never copied (a std::function would allocate for most lambdas).
    template <typename Step>
    static bool run_sink_step(Step&& step, http_response& refusal) {
        return run_guarded([](void* s) { (*static_cast<std::remove_reference_t<Step>*>(s))(); }, &step, refusal);
    }
    // The answer for a request no route takes.
    static http_response unmatched(const route_match& match, const http_request& request);

private:
    static bool run_guarded(void (*call)(void*), void* step, http_response& refusal);
    void authorize(const route& r, http_request& request) const;

    router routes_;
    session_finder find_session_;
};

}  // namespace festival::server
