#pragma once
// The security headers every page carries, with its Content-Security-Policy: one policy for every page,
// in which only frame-ancestors differs. Pages refuse to be framed ('none', and X-Frame-Options: DENY
// for browsers that predate frame-ancestors); the embed page lists the sites its film allows.
#include <string>
#include <string_view>

#include "server/http/http_message.hpp"

namespace festival::server {

// The pages' policy with `frame_ancestors` as that directive's sources ("'none'", or
// "'self' https://partner.example …": sources the caller has checked, see catalog::normalise_site).
std::string content_security_policy(std::string_view frame_ancestors);

// Content-Security-Policy, X-Content-Type-Options and Referrer-Policy, and X-Frame-Options: DENY unless
// `frame_ancestors` lets some page frame this one.
void add_security_headers(http_response& response, std::string_view frame_ancestors = "'none'");

}  // namespace festival::server
