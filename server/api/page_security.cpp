#include "server/api/page_security.hpp"

namespace festival::server {
namespace {

constexpr std::string_view policy_without_framing =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors ";

constexpr std::string_view no_framing = "'none'";

}  // namespace

std::string content_security_policy(std::string_view frame_ancestors) {
    std::string policy(policy_without_framing);
    policy += frame_ancestors;
    return policy;
}

void add_security_headers(http_response& response, std::string_view frame_ancestors) {
    // Every page but the embed page asks for this one: made once.
    static const std::string framed_by_none = content_security_policy(no_framing);
    const bool framable = frame_ancestors != no_framing;
    response.set_header("Content-Security-Policy", framable ? content_security_policy(frame_ancestors) : framed_by_none);
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "strict-origin-when-cross-origin");
    if (!framable) response.set_header("X-Frame-Options", "DENY");
}

}  // namespace festival::server
