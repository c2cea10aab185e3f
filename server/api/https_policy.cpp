#include "server/api/https_policy.hpp"

namespace festival::server {

https_policy::https_policy(std::string public_url) {
    if (public_url.starts_with("https://")) public_https_url_ = std::move(public_url);
}

std::optional<http_response> https_policy::refuse(const http_request& request) const {
    if (request.path == "/healthz" || request.path == "/readyz") return std::nullopt;
    if (request.method != "GET" && request.method != "HEAD")
        return error_response(403, "https_required", "this festival is reached over HTTPS: " + public_https_url_);
    // The path as it came (still percent-encoded) and its query: the same address over HTTPS.
    const bool origin_form = !request.target.empty() && request.target.front() == '/';
    http_response moved;
    moved.status = 308;
    moved.set_header("Location", public_https_url_ + (origin_form ? request.target : request.path));
    moved.set_header("Cache-Control", "no-store");
    return moved;
}

}  // namespace festival::server
