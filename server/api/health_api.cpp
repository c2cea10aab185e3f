#include "server/api/handlers.hpp"

namespace festival::server {

http_response get_health(festival_app&, http_request&) { return http_response::json(200, {{"status", "ok"}}); }

void require_json_content(const http_request& request) {
    const auto type = request.header("content-type");
    if (!type || !media_type_is(*type, "application/json"))
        throw http_error(415, "unsupported_media_type", "send the body as Content-Type: application/json");
}

}  // namespace festival::server
