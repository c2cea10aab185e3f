#include "server/uploads/audio_tracks_api.hpp"

#include <charconv>
#include <filesystem>

#include "catalog/audio_tracks.hpp"
#include "catalog/database.hpp"
#include "server/api/film_lookup.hpp"
#include "server/uploads/upload_audio.hpp"
#include "transcoder/media/durable_file.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {

http_response list_film_audio(festival_app& app, http_request& request) {
    const auto film = load_film_for_change(app, request);
    auto items = nlohmann::json::array();
    for (const auto& track : film.audio_tracks) items.push_back(catalog::audio_track_to_json(track));
    auto response = http_response::json(200, {{"items", items}});
    response.set_header("Cache-Control", "no-store");
    return response;
}

http_response delete_film_audio(festival_app& app, http_request& request) {
    const auto film = load_film_for_change(app, request);
    const auto& text = request.params.at("id");
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
        throw http_error(404, "audio_track_not_found", "no audio track '" + text + "'");
    auto& db = app.catalog.local();
    catalog::transaction tx(db);
    const auto removed = catalog::delete_audio_track(db, film.id, id);
    const auto job = requeue_audio(app, film.id);
    tx.commit();
    // After the commit; versions built with the track keep their own copy until they are pruned.
    std::error_code ignored;
    if (std::filesystem::remove(removed.path, ignored))
        media::sync_directory(std::filesystem::path(removed.path).parent_path());
    log_event("audio_track_deleted", {{"film", film.id}, {"track", id}, {"job", job ? nlohmann::json(*job) : nlohmann::json(nullptr)}});
    return http_response::json(200, {{"deleted", id}, {"job_id", job ? nlohmann::json(*job) : nlohmann::json(nullptr)}});
}

}  // namespace festival::server
