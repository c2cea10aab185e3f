#include "server/api/handlers.hpp"

#include <exception>
#include <string>
#include <vector>

#include "catalog/database.hpp"
#include "server/transcoder_supervisor.hpp"

namespace festival::server {

http_response get_health(festival_app&, http_request&) { return http_response::json(200, {{"status", "ok"}}); }

// Each check adds its figures to `checks` and its name to `failed` when it fails.
http_response get_ready(festival_app& app, http_request&) {
    nlohmann::json checks = nlohmann::json::object();
    std::vector<std::string> failed;
    auto record = [&](const char* name, bool ok, nlohmann::json figures) {
        figures["ok"] = ok;
        checks[name] = std::move(figures);
        if (!ok) failed.emplace_back(name);
    };

    try {
        catalog::check_writable(app.catalog.local());
        record("catalog", true, nlohmann::json::object());
    } catch (const std::exception& e) {
        record("catalog", false, {{"message", e.what()}});
    }

    const auto required = static_cast<std::uint64_t>(app.settings->ready_min_free_mb) * 1000 * 1000;
    try {
        const auto usable = app.uploads.usable_bytes();  // beyond the reserve the catalog and media keep
        record("disk", usable >= required, {{"usable_bytes", usable}, {"required_bytes", required}});
    } catch (const std::exception& e) {
        record("disk", false, {{"message", e.what()}, {"required_bytes", required}});
    }

    // Without a supervisor (the server run in-process by tests) no worker is expected.
    const auto* supervisor = app.transcoders.load();
    const int wanted = supervisor ? supervisor->wanted() : 0;
    const int running = supervisor ? supervisor->running() : 0;
    record("transcoders", running >= wanted, {{"wanted", wanted}, {"running", running}});

    if (failed.empty()) return http_response::json(200, {{"status", "ready"}, {"checks", checks}});
    std::string names;
    for (const auto& name : failed) names += (names.empty() ? "" : ", ") + name;
    return http_response::json(503, {{"status", "not_ready"},
                                     {"failed", failed},
                                     {"checks", checks},
                                     {"error", {{"code", "not_ready"}, {"message", "not ready: " + names}}}});
}

void require_json_content(const http_request& request) {
    const auto type = request.header("content-type");
    if (!type || !media_type_is(*type, "application/json"))
        throw http_error(415, "unsupported_media_type", "send the body as Content-Type: application/json");
}

}  // namespace festival::server
