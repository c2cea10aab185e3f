// GET/PUT /api/festival: the edition's name, dates and messages.
#include <regex>

#include "catalog/clock.hpp"
#include "catalog/festival_info.hpp"
#include "catalog/stats.hpp"
#include "server/api/handlers.hpp"

namespace festival::server {
namespace {

// The audience so far, for the home page's closing message (definitions in docs/statistics.md).
nlohmann::json audience_totals_json(festival_app& app) {
    const auto t = catalog::festival_totals(app.catalog.local(), {});
    return {{"views", t.views},
            {"unique_viewers", t.unique_viewers},
            {"watch_hours", static_cast<double>(t.watch_ms) / 3'600'000.0},
            {"peak_live", t.peak_live}};
}

}  // namespace

http_response get_festival(festival_app& app, http_request&) {
    const auto info = catalog::load_festival(app.catalog.local());
    nlohmann::json texts = nlohmann::json::object();
    for (const auto& [lang, text] : info.texts) texts[lang] = {{"welcome", text.welcome}, {"closing", text.closing}};
    auto optional = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
    return http_response::json(200, {{"name", info.name},
                                     {"starts_on", optional(info.starts_on)},
                                     {"ends_on", optional(info.ends_on)},
                                     {"state", catalog::to_string(catalog::edition_at(info, catalog::unix_now()))},
                                     {"texts", texts},
                                     {"totals", audience_totals_json(app)}});
}

http_response put_festival(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto body = request.json_body();
    static const std::regex day("\\d{4}-\\d{2}-\\d{2}");
    if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
        body["name"].get<std::string>().empty() || body["name"].get<std::string>().size() > 200)
        throw http_error(400, "invalid_field", "field 'name': a non-empty string of at most 200 bytes is required");
    catalog::festival_info info;
    info.name = body["name"].get<std::string>();
    for (const char* field : {"starts_on", "ends_on"}) {
        if (!body.contains(field) || body[field].is_null()) continue;
        if (!body[field].is_string() || !std::regex_match(body[field].get<std::string>(), day) ||
            !catalog::parse_utc(body[field].get<std::string>()))
            throw http_error(400, "invalid_field", std::string("field '") + field + "': expected YYYY-MM-DD");
        (std::string(field) == "starts_on" ? info.starts_on : info.ends_on) = body[field].get<std::string>();
    }
    if (body.contains("texts")) {
        if (!body["texts"].is_object()) throw http_error(400, "invalid_field", "field 'texts': an object by language");
        for (const auto& [lang, text] : body["texts"].items()) {
            if (!text.is_object()) throw http_error(400, "invalid_field", "field 'texts." + lang + "': an object");
            info.texts[lang] = {text.value("welcome", ""), text.value("closing", "")};
        }
    }
    catalog::save_festival(app.catalog.local(), info);
    return get_festival(app, request);
}

}  // namespace festival::server
