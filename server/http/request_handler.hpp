#pragma once
// What the HTTP core asks of the application behind it (server/api's dispatcher implements it): the
// routes to match, the handler of a matched request, a streaming route's body sink, the answer when
// no route matches, and steps of sinks and event streams run so that an exception becomes an answer.
#include <memory>
#include <type_traits>

#include "server/http/router.hpp"

namespace festival::server {

class request_handler {
public:
    virtual ~request_handler() = default;

    virtual const router& routes() const = 0;
    // Runs the handler of `match` for `request`; never throws.
    virtual http_response run(route_match& match, http_request& request) const = 0;
    // For streaming routes: opens the route's body sink; on refusal, nullptr and the answer.
    virtual std::unique_ptr<body_sink> open_sink(route_match& match, http_request& request,
                                                 http_response& refusal) const = 0;
    // The answer for a request no route takes.
    virtual http_response unmatched(const route_match& match, const http_request& request) const = 0;
    // Calls `call(step)`, turning any exception into `refusal`; true when it succeeded.
    virtual bool run_step(void (*call)(void*), void* step, http_response& refusal) const = 0;

    // run_step for a callable, called by reference and never copied (a std::function would allocate).
    template <typename Step>
    bool run_sink_step(Step&& step, http_response& refusal) const {
        return run_step([](void* s) { (*static_cast<std::remove_reference_t<Step>*>(s))(); }, &step, refusal);
    }
};

}  // namespace festival::server
