#pragma once
// A festival public over HTTPS (public-url https://…, TLS ended by a proxy in front) answers a request
// that came over plain HTTP (straight from any peer, or from a trusted proxy that says so) with a way
// to HTTPS instead: 308 to the same address on the public URL for GET and HEAD, 403 https_required for
// anything else (a write sent in clear is already exposed; it is refused, not carried over). Health
// checks come plain, from the machine or the proxy, and are answered as they are.
#include <optional>
#include <string>

#include "server/http/http_message.hpp"

namespace festival::server {

class https_policy {
public:
    https_policy() = default;  // nothing is redirected
    // `public_url` as the public-url setting holds it: empty, http://… (nothing is redirected) or https://…
    explicit https_policy(std::string public_url);

    // The answer that sends `request` to HTTPS, or nullopt when it may be answered as it came.
    std::optional<http_response> refusal(const http_request& request) const {
        if (public_https_url_.empty() || request.forwarded_https) return std::nullopt;
        return refuse(request);
    }

private:
    std::optional<http_response> refuse(const http_request& request) const;

    std::string public_https_url_;  // empty unless the festival is public over HTTPS
};

}  // namespace festival::server
