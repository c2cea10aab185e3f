#pragma once
// A festival page (site_pages) answered with its head written by the server in the page's language
// (page_head): for the catch-all page route, and for routes of their own that serve a page (they
// check what they must first, then answer with this). Runs on the worker pool: it reads the catalog.
#include "server/api/site_pages.hpp"
#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {

// 200 (or 304 to a matching If-None-Match; the ETag is over the bytes sent), or 404 with a "not found"
// head when the page's film or premiere does not exist for this viewer; 404 JSON when the page's file is
// missing. Carries the pages' security headers.
http_response site_page_response(festival_app& app, http_request& request, const site_address& address);

}  // namespace festival::server
