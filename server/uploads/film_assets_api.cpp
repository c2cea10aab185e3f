// Subtitles and posters for a film. Subtitles live in data/sources/<film>/subtitles/<lang>.vtt; a film
// already online gets them at once in a re-packaged version (no re-encoding), a film whose master is
// still being transcoded gets a new job with them, and a film without a master gives them to its first
// job. Posters are checked by their magic bytes.
#include "server/uploads/film_assets_api.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <sodium.h>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/films.hpp"
#include "catalog/jobs.hpp"
#include "server/api/film_lookup.hpp"
#include "server/api/media_urls.hpp"
#include "server/api/viewer_rights.hpp"
#include "server/uploads/upload_completion.hpp"
#include "server/uploads/upload_repackage.hpp"
#include "server/uploads/upload_store.hpp"
#include "server/uploads/upload_subtitles.hpp"
#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

namespace fs = std::filesystem;

// Queues the film's newest master (its newest job's source) again with the subtitles as they are now;
// nothing when the film has no master yet (its first upload's job will take them).
std::optional<std::int64_t> requeue_with_subtitles(festival_app& app, std::int64_t film_id) {
    auto& db = app.catalog.local();
    const auto jobs = catalog::list_film_jobs(db, film_id);
    for (const auto& j : jobs) {
        if (j.status == catalog::job_status::cancelled || !fs::exists(j.source_path)) continue;
        return catalog::enqueue_job(db, film_id, j.source_path, stored_subtitles(app, film_id));
    }
    return std::nullopt;
}

std::string short_hash(std::string_view bytes) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 6; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

bool lists_language(const catalog::film& film, const std::string& lang) {
    return std::find(film.subtitle_languages.begin(), film.subtitle_languages.end(), lang) != film.subtitle_languages.end();
}

std::string lower_case(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

http_response put_film_subtitles(festival_app& app, http_request& request) {
    const auto lang = language_code(request.params.at("lang"));
    auto film = load_film_for_change(app, request);
    const auto vtt = subtitles_to_webvtt(request.body);
    const auto path = app.settings->layout().source_subtitle(film.id, lang);
    media::write_file_durably(path, vtt.text);

    auto& db = app.catalog.local();
    if (!lists_language(film, lang)) {
        film.subtitle_languages.push_back(lang);
        catalog::update_film(db, film);
    }
    // Online already: re-packaged at once, the video untouched. Otherwise the next transcode takes them.
    auto job = repackage_subtitles(app, film.id);
    const bool repackaged = job.has_value();
    if (!job) job = requeue_with_subtitles(app, film.id);
    log_event("subtitles_stored", {{"film", film.id}, {"lang", lang}, {"cues", vtt.cues}});
    return http_response::json(201, {{"lang", lang},
                                     {"cues", vtt.cues},
                                     {"repackaged", repackaged},
                                     {"job_id", job ? nlohmann::json(*job) : nlohmann::json(nullptr)}});
}

http_response delete_film_subtitles(festival_app& app, http_request& request) {
    const auto& asked = request.params.at("lang");
    auto lang = language_code(asked);
    auto film = load_film_for_change(app, request);
    // Tracks stored before languages were normalised keep the name they were sent with ("fre").
    if (auto as_sent = lower_case(asked); !lists_language(film, lang) && lists_language(film, as_sent)) lang = as_sent;
    const auto path = app.settings->layout().source_subtitle(film.id, lang);
    if (!fs::remove(path)) throw http_error(404, "subtitles_not_found", "no " + lang + " subtitles for this film");
    media::sync_directory(path.parent_path());
    std::erase(film.subtitle_languages, lang);
    catalog::update_film(app.catalog.local(), film);
    if (!repackage_subtitles(app, film.id, lang)) requeue_with_subtitles(app, film.id);
    return http_response::no_content();
}

http_response put_film_poster(festival_app& app, http_request& request) {
    auto film = load_film_for_change(app, request);
    const auto& bytes = request.body;
    std::string extension;
    if (bytes.size() >= 3 && bytes.compare(0, 3, "\xFF\xD8\xFF") == 0) extension = ".jpg";
    else if (bytes.size() >= 8 && bytes.compare(0, 8, "\x89PNG\r\n\x1A\n") == 0) extension = ".png";
    else throw http_error(415, "poster_not_an_image", "a poster is a JPEG or PNG image");
    if (bytes.size() < 64) throw http_error(400, "poster_too_small", "this image is too small to be a poster");
    const auto dir = app.uploads.film_sources_dir(film.id);
    media::write_file_durably(dir / ("poster" + extension), bytes);
    std::error_code ignored;
    fs::remove(dir / (extension == ".jpg" ? "poster.png" : "poster.jpg"), ignored);
    // A new address per image: browsers and caches never show the previous poster.
    film.poster = "/api/films/" + std::to_string(film.id) + "/poster?v=" + short_hash(bytes);
    const auto updated = catalog::update_film(app.catalog.local(), film);
    app.refresh_availability();
    return http_response::json(200, film_json_for(app, request, updated, catalog::unix_now()));
}

http_response get_film_poster(festival_app& app, http_request& request) {
    const auto film = load_visible_film(app, request);
    const auto root = app.uploads.film_sources_dir(film.id).string();
    for (const char* name : {"poster.jpg", "poster.png"}) {
        if (auto file = app.files.open(root, name)) {
            auto response = file_response(request, *file,
                                          film.published ? static_text("Cache-Control: public, max-age=300\r\n")
                                                         : static_text("Cache-Control: private, no-cache\r\n"));
            response.set_header("X-Content-Type-Options", "nosniff");
            return response;
        }
    }
    throw http_error(404, "poster_not_found", "this film has no poster");
}

}  // namespace festival::server
