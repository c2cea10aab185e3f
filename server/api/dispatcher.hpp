#pragma once
// The one place where a matched request meets its handler: role and CSRF checks, and every
// exception turned into the JSON error shape.
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "server/http/request_handler.hpp"
#include "server/http/router.hpp"
#include "server/api/https_policy.hpp"

namespace festival::server {

// Looks a session cookie up; may block (SQLite), so it is only called on the worker pool.
using session_finder = std::function<std::optional<catalog::signed_in>(const std::string& token)>;

// Looks a worker's bearer token up (worker routes only, on the worker pool): its name, or nullopt.
using worker_token_finder = std::function<std::optional<std::string>(const std::string& token)>;

inline constexpr const char* session_cookie_name = "festival_session";

// Whether a browser sent this request from another site's page (Sec-Fetch-Site, else Origin against
// Host); requests with neither are not from a browser on another site.
bool from_another_site(const http_request& request);

class dispatcher final : public request_handler {
public:
    // Without `find_worker`, worker routes refuse every request.
    dispatcher(router routes, session_finder find_session, https_policy https = {}, worker_token_finder find_worker = {});

    const router& routes() const override { return routes_; }
    // Runs the handler of `match` for `request`, enforcing access; never throws. The match's
    // parameters move into the request.
    http_response run(route_match& match, http_request& request) const override;
    // For streaming routes: checks access and opens the route's body sink; on refusal, the answer.
    std::unique_ptr<body_sink> open_sink(route_match& match, http_request& request, http_response& refusal) const override;
    // Runs a sink step, turning any exception into the JSON error answer; true when it succeeded.
    // The step is called by reference, never copied (a std::function would allocate for most lambdas).
    template <typename Step>
    static bool run_sink_step(Step&& step, http_response& refusal) {
        return run_guarded([](void* s) { (*static_cast<std::remove_reference_t<Step>*>(s))(); }, &step, refusal);
    }
    // The answer for a request no route takes.
    http_response unmatched(const route_match& match, const http_request& request) const override;
    bool run_step(void (*call)(void*), void* step, http_response& refusal) const override {
        return run_guarded(call, step, refusal);
    }

private:
    static bool run_guarded(void (*call)(void*), void* step, http_response& refusal);
    void authorize(const route& r, http_request& request) const;

    router routes_;
    session_finder find_session_;
    https_policy https_;  // before anything else: a request in clear to a public HTTPS festival goes there
    worker_token_finder find_worker_;
};

}  // namespace festival::server
