// The festival's pages and their assets from web/, with the security headers every page carries.
#include "server/handlers.hpp"

namespace festival::server {
namespace {

// Clean page addresses and the files behind them.
std::string page_file_for(const std::string& path) {
    if (path == "/") return "index.html";
    if (path == "/catalog" || path == "/about" || path == "/curator" || path == "/organizer" || path == "/login")
        return path.substr(1) + ".html";
    if (path.starts_with("/films/") && path.find('/', 7) == std::string::npos) return "film.html";
    return path.substr(1);
}

void add_security_headers(http_response& response) {
    response.set_header("Content-Security-Policy",
                        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                        "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; "
                        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Referrer-Policy", "strict-origin-when-cross-origin");
    response.set_header("X-Frame-Options", "DENY");
}

}  // namespace

http_response get_web_page(festival_app& app, http_request& request) {
    const auto file = app.files.open(app.settings->web_dir, page_file_for(request.path));
    if (!file) throw http_error(404, "not_found", "nothing at " + request.path);
    // Pages and assets are not fingerprinted: browsers revalidate them with the ETag each time.
    auto response = file_response(request, *file, "no-cache");
    add_security_headers(response);
    return response;
}

}  // namespace festival::server
