// The filmmaker's report page, /{lang}/report/{key}: served like every page (get_web_page: its head,
// its security headers) for an active token, in the language the link was made for, and with status
// 404 for an unknown or revoked one (the page then says the link no longer works). On the worker pool:
// the token is looked up in the catalog.
#include <algorithm>

#include "catalog/filmmaker_links.hpp"
#include "server/api/handlers.hpp"
#include "server/api/site_pages.hpp"

namespace festival::server {

void add_report_headers(http_response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_header("Referrer-Policy", "no-referrer");
    response.set_header("X-Robots-Tag", "noindex");
}

http_response get_report_page(festival_app& app, http_request& request) {
    // This route runs on the worker pool: the pages' handler may read the catalog here at once.
    request.on_worker_pool = true;
    const auto& language = request.params.at("lang");
    // "/js/report/x" and the like are not report pages: whatever the pages' route would answer.
    if (std::find(site_languages.begin(), site_languages.end(), language) == site_languages.end())
        return get_web_page(app, request);
    const auto& token = request.params.at("key");
    const auto link = catalog::find_filmmaker_link_by_token(app.catalog.local(), token);
    if (link && link->language != language) {
        http_response moved;
        moved.status = 302;
        moved.set_header("Location", "/" + link->language + "/report/" + token);
        add_report_headers(moved);
        return moved;
    }
    // The answer depends on the link, not only on the file: never a 304 or a range of it.
    std::erase_if(request.headers, [](const auto& header) {
        return header.first == "if-none-match" || header.first == "if-modified-since" || header.first == "range";
    });
    auto response = get_web_page(app, request);
    if (!link) response.status = 404;
    add_report_headers(response);
    return response;
}

}  // namespace festival::server
