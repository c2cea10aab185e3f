// GET /media/{film}/v{version}/{expires}-{sig}/…: a published film's HLS files, behind the time
// slice's signed token (server/api/media_token, the same check a cache in front makes), checked
// against its screening window and its current (or, for a grace period, previous) version from
// memory, and served from the open-file cache. GET /preview/{film}/v{version}/…: the same files of
// any version still on disk of a film, for its curators and for organizers, so a transcode can be
// checked before publication.
#include <charconv>

#include "catalog/clock.hpp"
#include "catalog/films.hpp"
#include "server/api/film_access.hpp"
#include "server/api/handlers.hpp"
#include "server/api/media_token.hpp"
#include "server/api/viewer_rights.hpp"

namespace festival::server {
namespace {

std::optional<std::int64_t> film_id_from(const std::string& text) {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
    return id;
}

// The version a path "v<version>/…" names, nullopt for any other shape.
std::optional<std::int64_t> version_of(std::string_view rest) {
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash < 2 || rest[0] != 'v') return std::nullopt;
    std::int64_t version = 0;
    const auto [end, ec] = std::from_chars(rest.data() + 1, rest.data() + slash, version);
    if (ec != std::errc() || end != rest.data() + slash || version <= 0) return std::nullopt;
    return version;
}

struct media_address {
    std::int64_t film_id;
    std::int64_t version;
};

media_address checked_address(const http_request& request) {
    const auto& rest = request.params.at("rest");
    const auto film_id = film_id_from(request.params.at("film"));
    const auto version = version_of(rest);
    if (!film_id || !version || !is_safe_relative_path(rest))
        throw http_error(404, "not_found", "nothing at " + request.path);
    return {*film_id, *version};
}

// "<film>/<version>/<file>" beneath the media folder, written over this thread's buffer: valid until
// the thread's next call.
std::string_view media_path(std::int64_t film_id, std::string_view version_and_file) {
    thread_local std::string path;
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, film_id).ptr;
    path.assign(digits, end);
    path += '/';
    path += version_and_file;
    return path;
}

// "v<version>/<token>/<file…>" split into the token and "v<version>/<file…>" (written over this
// thread's buffer); nullopt when there is no token segment or no file after it.
struct tokened_rest {
    std::string_view token;
    std::string_view version_and_file;
};

std::optional<tokened_rest> split_token(std::string_view rest) {
    const auto version_end = rest.find('/');
    const auto token_end = rest.find('/', version_end + 1);
    if (version_end == std::string_view::npos || token_end == std::string_view::npos || token_end + 1 == rest.size())
        return std::nullopt;
    thread_local std::string without_token;
    without_token.assign(rest.substr(0, version_end + 1));
    without_token += rest.substr(token_end + 1);
    return tokened_rest{rest.substr(version_end + 1, token_end - version_end - 1), without_token};
}

}  // namespace

http_response get_media_file(festival_app& app, http_request& request) {
    const auto& rest = request.params.at("rest");
    const auto [film_id, version] = checked_address(request);
    const auto tokened = split_token(rest);
    if (!tokened)
        throw http_error(403, "media_token_invalid", "media URLs carry a token: take them from the film's JSON");
    const auto now = catalog::unix_now();
    // Checked first, and cheaply (a thread hashes each time slice's token once): an unsigned URL
    // learns nothing else.
    switch (app.media_tokens.check(film_id, version, tokened->token, now)) {
        case media_token_verdict::valid: break;
        case media_token_verdict::expired:
            throw http_error(403, "media_token_expired", "this media URL has expired: take a fresh one from the film's JSON");
        case media_token_verdict::invalid:
            throw http_error(403, "media_token_invalid", "this media URL's token is not valid for this film and version");
    }
    const auto window = app.availability.find(film_id);
    if (!window) throw http_error(404, "film_not_found", "no such film");
    if (!film_availability::screening(*window, now))
        throw http_error(403, "not_screening", "this film is not screening now");
    // The film's country rule, on every request. Its files are private (below): a shared cache in front
    // never stores them, so every request of every viewer comes here, whoever shared a token.
    const bool country_ruled = app.geo && !window->countries.everywhere();
    if (country_ruled)
        if (const auto refused = country_refusal(app, window->countries, request)) refuse(*refused);
    // Only what the catalog publishes: never a superseded, pending or leftover folder.
    if (!film_availability::serves_version(*window, version, now, app.settings->previous_version_grace_seconds))
        throw http_error(404, "not_found", "nothing at " + request.path);
    const auto file = app.files.open(app.media_root, media_path(film_id, tokened->version_and_file));
    if (!file) throw http_error(404, "not_found", "nothing at " + request.path);
    // Segments never change under a versioned path; playlists stay short-lived so that unpublishing
    // or the end of a screening window reaches viewers behind a cache quickly. (Errors are JSON
    // answers, always `Cache-Control: no-store`: a cache never hides a film that opens.)
    constexpr static_text playlist_policy = "Cache-Control: public, max-age=10\r\nAccess-Control-Allow-Origin: *\r\n";
    constexpr static_text segment_policy =
        "Cache-Control: public, max-age=31536000, immutable\r\nAccess-Control-Allow-Origin: *\r\n";
    constexpr static_text private_playlist_policy = "Cache-Control: private, max-age=10\r\nAccess-Control-Allow-Origin: *\r\n";
    constexpr static_text private_segment_policy =
        "Cache-Control: private, max-age=31536000, immutable\r\nAccess-Control-Allow-Origin: *\r\n";
    if (country_ruled)
        return file_response(request, *file, rest.ends_with(".m3u8") ? private_playlist_policy : private_segment_policy);
    return file_response(request, *file, rest.ends_with(".m3u8") ? playlist_policy : segment_policy);
}

http_response get_media_preview(festival_app& app, http_request& request) {
    const auto& rest = request.params.at("rest");
    const auto film_id = checked_address(request).film_id;
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
