#include "server/api/dispatcher.hpp"

#include <sodium.h>

#include <cctype>
#include <cerrno>
#include <system_error>

#include "catalog/errors.hpp"
#include "transcoder/process/log_event.hpp"

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
        case catalog::error_kind::busy: return 503;
        case catalog::error_kind::full: return 507;
    }
    return 500;
}

// What a client is told about a storage fault: nothing of paths or SQL, only what it can act on.
std::string_view storage_message(int status) {
    switch (status) {
        case 503: return "the catalog cannot take changes right now; try again shortly";
        case 507: return "the server's disk is full";
        default: return "the catalog could not be read or written";
    }
}

// A 503 names when to come back: a lock held past the busy timeout is usually gone in seconds.
http_response storage_refusal(int status, std::string_view code, std::string_view message) {
    auto response = error_response(status, code, message);
    if (status == 503) response.set_header("Retry-After", "5");
    return response;
}

bool role_allows(access needs, catalog::role has) {
    if (needs == access::organizer) return has == catalog::role::organizer;
    return true;
}

bool same_token(std::string_view a, std::string_view b) {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_safe_method(std::string_view method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The token of "Authorization: Bearer <token>", nullopt for any other header or none.
std::optional<std::string_view> bearer_token(const http_request& request) {
    const auto header = request.header("authorization");
    constexpr std::string_view scheme = "bearer ";
    if (!header || header->size() <= scheme.size() || lower(header->substr(0, scheme.size())) != scheme)
        return std::nullopt;
    auto token = header->substr(scheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty()) return std::nullopt;
    return token;
}

// "host[:port]" with the scheme's default port made explicit, lower-cased, so that an Origin and a
// Host header naming the same server compare equal.
std::string authority_with_port(std::string_view authority, std::string_view default_port) {
    std::string out = lower(authority);
    const auto colon = out.rfind(':');
    const auto bracket = out.rfind(']');  // an IPv6 literal: its colons are not a port
    if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket)) {
        out += ':';
        out += default_port;
    }
    return out;
}

}  // namespace

// A write from another site's page, which a browser would make for its visitor (a form, a beacon,
// a fetch with a safelisted type): anonymous routes have no session token to tell it apart, so the
// browser's own account of where the request comes from decides. Sec-Fetch-Site, which pages cannot
// set, is trusted when present; otherwise Origin must name this host. Requests with neither (curl,
// scripts, older browsers' same-origin forms) are not from a browser on another site.
bool from_another_site(const http_request& request) {
    if (const auto site = request.header("sec-fetch-site")) return *site != "same-origin" && *site != "none";
    const auto origin = request.header("origin");
    if (!origin) return false;
    const auto host = request.header("host");
    if (!host) return true;
    for (const auto& [scheme, port] : {std::pair{"http://", "80"}, std::pair{"https://", "443"}}) {
        const std::string_view prefix(scheme);
        if (origin->size() > prefix.size() && lower(origin->substr(0, prefix.size())) == prefix)
            return authority_with_port(origin->substr(prefix.size()), port) != authority_with_port(*host, port);
    }
    return true;  // "null" (a sandboxed frame, a redirect across sites) or an unknown scheme
}

dispatcher::dispatcher(router routes, session_finder find_session, https_policy https, worker_token_finder find_worker)
    : routes_(std::move(routes)),
      find_session_(std::move(find_session)),
      https_(std::move(https)),
      find_worker_(std::move(find_worker)) {}

void dispatcher::authorize(const route& r, http_request& request) const {
    request.worker.clear();  // the request object is reused along a connection
    // Worker routes take a worker's bearer token and nothing else; other routes never look at one.
    if (r.needs == access::worker) {
        const auto token = bearer_token(request);
        std::optional<std::string> name;
        if (token && find_worker_) name = find_worker_(std::string(*token));
        if (!name) throw http_error(401, "worker_token", "this route needs a worker token: Authorization: Bearer <token>");
        request.worker = std::move(*name);
        return;
    }
    if (r.needs == access::anyone && !is_safe_method(request.method) && from_another_site(request))
        throw http_error(403, "cross_site_request", "writes are accepted only from the festival's own pages");
    // Only routes off the I/O threads may look the session up (it reads SQLite).
    if (r.where != runs_on::io_thread) {
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
    if (auto refusal = https_.refusal(request)) return std::move(*refusal);
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
    if (auto to_https = https_.refusal(request)) return refusal = std::move(*to_https), nullptr;
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
        if (status >= 500) log_event("error", {{"what", e.what()}});
        refusal = storage_refusal(status, e.code(), status >= 500 ? storage_message(status) : std::string_view(e.what()));
    } catch (const std::system_error& e) {
        // Files (std::filesystem and our own writes): a full or read-only disk is not a server bug.
        log_event("error", {{"what", e.what()}});
        const int error = e.code().category() == std::generic_category() || e.code().category() == std::system_category()
                              ? e.code().value()
                              : 0;
        if (error == ENOSPC || error == EDQUOT)
            refusal = storage_refusal(507, "insufficient_storage", storage_message(507));
        else if (error == EROFS)
            refusal = storage_refusal(503, "storage_read_only", "the server's disk is read-only now; try again later");
        else
            refusal = error_response(500, "internal_error", "the server could not complete this request");
    } catch (const std::exception& e) {
        log_event("error", {{"what", e.what()}});
        refusal = error_response(500, "internal_error", "the server could not complete this request");
    }
    return false;
}

http_response dispatcher::unmatched(const route_match& match, const http_request& request) const {
    if (auto refusal = https_.refusal(request)) return std::move(*refusal);
    if (match.path_known)
        return error_response(405, "method_not_allowed", request.method + " is not allowed on " + request.path);
    return error_response(404, "not_found", "nothing at " + request.path);
}

}  // namespace festival::server
