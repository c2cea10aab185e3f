#include "server/dispatcher.hpp"

#include <sodium.h>

#include <cstdio>

#include "catalog/errors.hpp"

namespace festival::server {
namespace {

int status_for(catalog::error_kind kind) {
    switch (kind) {
        case catalog::error_kind::invalid: return 400;
        case catalog::error_kind::unauthorized: return 401;
        case catalog::error_kind::forbidden: return 403;
        case catalog::error_kind::not_found: return 404;
        case catalog::error_kind::conflict: return 409;
        case catalog::error_kind::storage: return 500;
    }
    return 500;
}

bool role_allows(access needs, catalog::role has) {
    if (needs == access::organizer) return has == catalog::role::organizer;
    return true;
}

std::string quoted(const char* text) {
    return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool same_token(std::string_view a, std::string_view b) {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

dispatcher::dispatcher(router routes, session_finder find_session)
    : routes_(std::move(routes)), find_session_(std::move(find_session)) {}

void dispatcher::authorize(const route& r, http_request& request) const {
    // Only worker-pool routes may look the session up (it reads SQLite).
    if (r.where == runs_on::worker_pool) {
        if (auto token = request.cookie(session_cookie_name)) request.session = find_session_(*token);
    }
    if (r.needs == access::anyone) return;
    if (!request.session) throw http_error(401, "not_signed_in", "sign in to do this");
    if (!role_allows(r.needs, request.session->user.role))
        throw http_error(403, "forbidden", std::string("this needs the ") +
                                               (r.needs == access::organizer ? "organizer" : "curator") + " role");
    if (needs_csrf(r)) {
        const auto sent = request.header("x-csrf-token");
        if (!sent || !same_token(*sent, request.session->csrf_token))
            throw http_error(403, "csrf_token_invalid", "missing or wrong X-CSRF-Token header");
    }
}

http_response dispatcher::run(route_match& match, http_request& request) const {
    http_response response;
    run_sink_step(
        [&] {
            std::swap(request.params, match.params);  // both keep their storage for later requests
            authorize(*match.found, request);
            response = match.found->handle(request);
        },
        response);
    return response;
}

std::unique_ptr<body_sink> dispatcher::open_sink(route_match& match, http_request& request,
                                                 http_response& refusal) const {
    std::unique_ptr<body_sink> sink;
    run_sink_step(
        [&] {
            std::swap(request.params, match.params);  // both keep their storage for later requests
            authorize(*match.found, request);
            sink = match.found->open_sink(request);
        },
        refusal);
    return sink;
}

bool dispatcher::run_guarded(void (*call)(void*), void* step, http_response& refusal) {
    try {
        call(step);
        return true;
    } catch (const http_error& e) {
        refusal = error_response(e.status(), e.code(), e.what());
    } catch (const catalog::catalog_error& e) {
        const int status = status_for(e.kind());
        if (status >= 500) std::fprintf(stderr, "{\"event\":\"error\",\"what\":%s}\n", quoted(e.what()).c_str());
        refusal = error_response(status, e.code(), status >= 500 ? "the catalog could not be read or written"
                                                                 : std::string_view(e.what()));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "{\"event\":\"error\",\"what\":%s}\n", quoted(e.what()).c_str());
        refusal = error_response(500, "internal_error", "the server could not complete this request");
    }
    return false;
}

http_response dispatcher::unmatched(const route_match& match, const http_request& request) {
    if (match.path_known)
        return error_response(405, "method_not_allowed", request.method + " is not allowed on " + request.path);
    return error_response(404, "not_found", "nothing at " + request.path);
}

}  // namespace festival::server
