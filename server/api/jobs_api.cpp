// GET /api/films/{key}/jobs, GET /api/jobs/{id}, POST /api/jobs/{id}/cancel, GET /api/jobs/{id}/events:
// transcode jobs for curators. The transcoder processes write progress to the catalog; the event
// stream polls it and sends each change until the job ends.
#include <charconv>

#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "server/api/film_access.hpp"
#include "server/api/film_lookup.hpp"
#include "server/api/handlers.hpp"

namespace festival::server {
namespace {

std::int64_t job_id_of(const http_request& request) {
    const auto& text = request.params.at("id");
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
        throw http_error(404, "job_not_found", "no job '" + text + "'");
    return id;
}

// The job, when the caller may change its film (403 not_your_film otherwise).
catalog::job load_job(festival_app& app, const http_request& request, std::int64_t id) {
    auto found = catalog::find_job(app.catalog.local(), id);
    if (!found) throw http_error(404, "job_not_found", "no job " + std::to_string(id));
    require_film_access(app, request, found->film_id);
    return *found;
}

}  // namespace

http_response list_film_jobs(festival_app& app, http_request& request) {
    auto& db = app.catalog.local();
    const auto film = load_film_for_change(app, request);
    auto jobs = nlohmann::json::array();
    for (const auto& j : catalog::list_film_jobs(db, film.id)) jobs.push_back(catalog::job_to_json(j));
    return http_response::json(200, {{"jobs", jobs}});
}

http_response get_job(festival_app& app, http_request& request) {
    return http_response::json(200, catalog::job_to_json(load_job(app, request, job_id_of(request))));
}

http_response cancel_job(festival_app& app, http_request& request) {
    const auto id = job_id_of(request);
    load_job(app, request, id);
    return http_response::json(200, catalog::job_to_json(catalog::cancel_job(app.catalog.local(), id)));
}

http_response job_events(festival_app& app, http_request& request) {
    const auto id = job_id_of(request);
    const auto first = load_job(app, request, id);
    const auto first_text = catalog::job_to_json(first).dump();
    http_response response;
    response.status = 200;
    response.set_header("Content-Type", "text/event-stream");
    response.set_header("Cache-Control", "no-store");
    response.body = "data: " + first_text + "\n\n";
    auto stream = std::make_shared<event_stream>();
    stream->interval = std::chrono::milliseconds(500);
    struct state {
        std::string last;
        bool ended;
    };
    stream->poll = [&app, id, seen = std::make_shared<state>(state{first_text, first.finished()})]()
        -> std::optional<std::string> {
        if (seen->ended) return std::nullopt;  // the final state was sent
        const auto current = catalog::find_job(app.catalog.local(), id);
        if (!current) return std::nullopt;
        auto text = catalog::job_to_json(*current).dump();
        seen->ended = current->finished();
        if (text == seen->last) return std::string();
        seen->last = text;
        return "data: " + text + "\n\n";
    };
    response.events = std::move(stream);
    return response;
}

}  // namespace festival::server
