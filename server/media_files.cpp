// GET /media/{film}/v{version}/…: a published film's HLS files, checked against its screening window
// from memory and served from the open-file cache. GET /preview/{film}/v{version}/…: the same files of
// a film for its curators and for organizers, so a transcode can be checked before publication.
#include <charconv>

#include "catalog/clock.hpp"
#include "catalog/films.hpp"
#include "server/film_access.hpp"
#include "server/handlers.hpp"

namespace festival::server {
namespace {

std::optional<std::int64_t> film_id_from(const std::string& text) {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
    return id;
}

bool is_version_folder(std::string_view rest) {
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash < 2 || rest[0] != 'v') return false;
    for (std::size_t i = 1; i < slash; ++i)
        if (rest[i] < '0' || rest[i] > '9') return false;
    return true;
}

std::int64_t checked_film_id(const http_request& request) {
    const auto& rest = request.params.at("rest");
    const auto film_id = film_id_from(request.params.at("film"));
    if (!film_id || !is_version_folder(rest) || !is_safe_relative_path(rest))
        throw http_error(404, "not_found", "nothing at " + request.path);
    return *film_id;
}

// "<film>/<version>/<file>" beneath the media folder, written over this thread's buffer: valid until
// the thread's next call.
std::string_view media_path(std::int64_t film_id, std::string_view rest) {
    thread_local std::string path;
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, film_id).ptr;
    path.assign(digits, end);
    path += '/';
    path += rest;
    return path;
}

}  // namespace

http_response get_media_file(festival_app& app, http_request& request) {
    const auto& rest = request.params.at("rest");
    const auto film_id = checked_film_id(request);
    const auto window = app.availability.find(film_id);
    if (!window) throw http_error(404, "film_not_found", "no such film");
    if (!film_availability::screening(*window, catalog::unix_now()))
        throw http_error(403, "not_screening", "this film is not screening now");
    const auto file = app.files.open(app.media_root, media_path(film_id, rest));
    if (!file) throw http_error(404, "not_found", "nothing at " + request.path);
    // Segments never change under a versioned path; playlists stay short-lived so that unpublishing
    // or the end of a screening window reaches viewers behind a cache quickly.
    constexpr static_text playlist_policy = "Cache-Control: public, max-age=10\r\nAccess-Control-Allow-Origin: *\r\n";
    constexpr static_text segment_policy =
        "Cache-Control: public, max-age=31536000, immutable\r\nAccess-Control-Allow-Origin: *\r\n";
    return file_response(request, *file, rest.ends_with(".m3u8") ? playlist_policy : segment_policy);
}

http_response get_media_preview(festival_app& app, http_request& request) {
    const auto& rest = request.params.at("rest");
    const auto film_id = checked_film_id(request);
    if (!catalog::find_film(app.catalog.local(), film_id)) throw http_error(404, "film_not_found", "no such film");
    require_film_access(app, request, film_id);
    const auto file = app.files.open(app.media_root, media_path(film_id, rest));
    if (!file) throw http_error(404, "not_found", "nothing at " + request.path);
    // Private: a shared cache must never hand an unpublished film to a viewer.
    constexpr static_text playlist_policy = "Cache-Control: private, no-cache\r\n";
    constexpr static_text segment_policy = "Cache-Control: private, max-age=86400\r\n";
    return file_response(request, *file, rest.ends_with(".m3u8") ? playlist_policy : segment_policy);
}

}  // namespace festival::server
