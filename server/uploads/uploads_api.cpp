// /api/uploads: the tus 1.0.0 resource. Headers are checked and the upload locked before a single
// body byte is read; the bytes themselves go through upload_sink.
#include "server/uploads/uploads_api.hpp"

#include <filesystem>

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/films.hpp"
#include "catalog/uploads.hpp"
#include "catalog/database.hpp"
#include "server/api/film_access.hpp"
#include "server/api/film_lookup.hpp"
#include "server/http/http_date.hpp"
#include "server/uploads/tus_headers.hpp"
#include "server/uploads/upload_audio.hpp"
#include "server/uploads/upload_sink.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

bool is_upload_id(const std::string& id) {
    if (id.size() != 32) return false;
    for (const char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

// A curator reads, resumes or cancels their own uploads of films still assigned to them; organizers
// may manage every one.
void require_owner(festival_app& app, const http_request& request, const catalog::upload& u) {
    const auto& caller = request.session->user;
    if (caller.role != catalog::role::organizer && caller.id != u.user_id)
        throw http_error(403, "not_your_upload", "this upload belongs to another curator");
    require_film_access(app, request, u.film_id);
}

// The upload named in the path, unless it is unknown, someone else's or expired (404 / 403 / 410).
catalog::upload load_upload(festival_app& app, const http_request& request) {
    const auto& id = request.params.at("id");
    auto found = is_upload_id(id) ? catalog::find_upload(app.catalog.local(), id) : std::nullopt;
    if (!found) throw http_error(404, "upload_not_found", "no upload " + id);
    require_owner(app, request, *found);
    if (found->status == catalog::upload_status::receiving && found->expires_at <= catalog::unix_now())
        throw http_error(410, "upload_expired", "this upload expired; start it again");
    return *found;
}

upload_lock lock_upload(festival_app& app, const std::string& id) {
    auto lock = app.uploads.try_lock(id);
    if (!lock) throw http_error(423, "upload_busy", "another request is writing this upload; retry shortly");
    return std::move(*lock);
}

void require_offset_content(const http_request& request) {
    const auto type = request.header("content-type");
    if (!type || type->substr(0, type->find(';')) != tus::offset_content_type)
        throw http_error(415, "wrong_content_type", "upload bytes come as application/offset+octet-stream");
}

// A body of `incoming` bytes (unknown when chunked) must fit the upload, and the rest the disk beside
// what the other uploads in progress still need.
void check_room(festival_app& app, const catalog::upload& u, std::optional<std::int64_t> incoming) {
    const auto left = u.length - u.offset;
    if (incoming && *incoming > left)
        throw http_error(413, "exceeds_upload_length", "the body goes past Upload-Length (" +
                                                           std::to_string(u.length) + " bytes)");
    // Room for the whole remainder, so an upload accepted now does not fail at 90 %, and for the
    // remainders of the uploads accepted before it (two that each fit alone must not both be taken).
    const auto reserved = catalog::reserved_upload_bytes(app.catalog.local(), catalog::unix_now(), u.id);
    if (static_cast<std::uint64_t>(left) + static_cast<std::uint64_t>(reserved) > app.uploads.usable_bytes())
        throw http_error(507, "insufficient_storage",
                         reserved > 0 ? "the server has no room for this upload now: uploads in progress need " +
                                            std::to_string(reserved) + " more bytes"
                                      : "the server has no room for this upload now");
}

std::optional<tus::checksum> checksum_of(const http_request& request) {
    const auto header = request.header("upload-checksum");
    if (!header) return std::nullopt;
    return tus::parse_checksum(*header);
}

// The catalog's record and what the upload is for ("film": a master, "audio": a track), so that pages
// tell a refused track from a refused master.
nlohmann::json upload_json(const catalog::upload& u) {
    auto j = catalog::upload_to_json(u);
    j["purpose"] = is_audio_upload(tus::parse_metadata(u.metadata)) ? "audio" : "film";
    return j;
}

// A body is present when it has a length above zero or comes chunked.
bool has_body(const http_request& request) {
    if (request.header("transfer-encoding")) return true;
    const auto length = tus::parse_size_header(request, "content-length");
    return length && *length > 0;
}

}  // namespace

http_response tus_options(festival_app& app, http_request&) {
    http_response response;
    response.status = 204;
    tus::resumable(response);
    response.set_header("Tus-Version", tus::version);
    response.set_header("Tus-Extension", tus::extensions);
    response.set_header("Tus-Checksum-Algorithm", tus::checksum_algorithms);
    response.set_header("Tus-Max-Size", std::to_string(app.settings->max_upload_bytes));
    return response;
}

std::unique_ptr<body_sink> open_upload_creation(festival_app& app, http_request& request) {
    tus::require_resumable(request);
    if (request.header("upload-defer-length"))
        throw http_error(400, "defer_length_unsupported", "send Upload-Length: the size must be known");
    const auto length = tus::parse_size_header(request, "upload-length");
    if (!length) throw http_error(400, "upload_length_missing", "send Upload-Length");
    if (*length == 0) throw http_error(400, "empty_upload", "an empty file is not a film");
    if (*length > app.settings->max_upload_bytes)
        throw http_error(413, "upload_too_large", "uploads are limited to " +
                                                      std::to_string(app.settings->max_upload_bytes) + " bytes");
    const auto raw_metadata = request.header("upload-metadata");
    const auto metadata = tus::parse_metadata(raw_metadata ? *raw_metadata : std::string_view());
    const auto film_key = metadata.find("film");
    if (film_key == metadata.end() || film_key->second.empty())
        throw http_error(400, "film_required", "Upload-Metadata must name the film: 'film <base64 id or slug>'");
    const auto film = catalog::find_film_by_key(app.catalog.local(), film_key->second);
    if (!film) throw http_error(404, "film_not_found", "no film '" + film_key->second + "'");
    require_film_access(app, request, film->id);
    if (is_audio_upload(metadata)) audio_upload_fields_of(metadata);  // a wrong track is refused before its bytes
    const bool with_upload = has_body(request);
    if (with_upload) require_offset_content(request);

    catalog::upload record;
    record.id = catalog::random_token().substr(0, 32);
    record.film_id = film->id;
    record.user_id = request.session->user.id;
    record.length = *length;
    record.metadata = raw_metadata ? std::string(*raw_metadata) : std::string();
    if (const auto name = metadata.find("filename"); name != metadata.end()) record.filename = name->second.substr(0, 255);
    record.expires_at = catalog::unix_now() + upload_lifetime_seconds;
    auto checksum = with_upload ? checksum_of(request) : std::nullopt;

    auto lock = lock_upload(app, record.id);
    {
        // The room check and the new reservation in one write transaction: two creations at once
        // cannot both count the same free bytes.
        auto& db = app.catalog.local();
        catalog::transaction tx(db);
        check_room(app, record, with_upload ? tus::parse_size_header(request, "content-length") : std::nullopt);
        catalog::create_upload(db, record);
        tx.commit();
    }
    log_event("upload_created", {{"upload", record.id}, {"film", record.film_id}, {"length", record.length}});
    return std::make_unique<upload_sink>(app, std::move(record), std::move(lock), std::move(checksum), true);
}

http_response head_upload(festival_app& app, http_request& request) {
    tus::require_resumable(request);
    const auto u = load_upload(app, request);
    http_response response;
    response.status = 200;
    tus::resumable(response);
    response.set_header("Upload-Offset", std::to_string(u.offset));
    response.set_header("Upload-Length", std::to_string(u.length));
    response.set_header("Cache-Control", "no-store");
    if (!u.metadata.empty()) response.set_header("Upload-Metadata", u.metadata);
    if (u.status == catalog::upload_status::receiving) response.set_header("Upload-Expires", http_date(u.expires_at));
    return response;
}

std::unique_ptr<body_sink> open_upload_patch(festival_app& app, http_request& request) {
    tus::require_resumable(request);
    require_offset_content(request);
    const auto offset = tus::parse_size_header(request, "upload-offset");
    if (!offset) throw http_error(400, "upload_offset_missing", "send Upload-Offset");
    auto checksum = checksum_of(request);
    load_upload(app, request);  // 404 / 410 before waiting on a lock
    // Read again under the lock: a request that just finished may have moved the offset.
    auto lock = lock_upload(app, request.params.at("id"));
    auto u = load_upload(app, request);
    if (u.status != catalog::upload_status::receiving)
        throw http_error(409, "upload_finished", "this upload is complete (" + std::string(catalog::to_string(u.status)) + ")");
    if (*offset != u.offset)
        throw http_error(409, "offset_mismatch", "Upload-Offset is " + std::to_string(*offset) + " but " +
                                                     std::to_string(u.offset) + " bytes are stored");
    check_room(app, u, tus::parse_size_header(request, "content-length"));
    return std::make_unique<upload_sink>(app, std::move(u), std::move(lock), std::move(checksum), false);
}

http_response delete_upload(festival_app& app, http_request& request) {
    tus::require_resumable(request);
    const auto& id = request.params.at("id");
    const auto found = is_upload_id(id) ? catalog::find_upload(app.catalog.local(), id) : std::nullopt;
    if (!found) throw http_error(404, "upload_not_found", "no upload " + id);
    require_owner(app, request, *found);
    auto lock = lock_upload(app, id);
    std::error_code ignored;
    std::filesystem::remove(app.uploads.part_path(id), ignored);
    catalog::delete_upload(app.catalog.local(), id);
    log_event("upload_terminated", {{"upload", id}});
    auto response = http_response::no_content();
    tus::resumable(response);
    return response;
}

http_response get_upload(festival_app& app, http_request& request) {
    const auto& id = request.params.at("id");
    auto found = is_upload_id(id) ? catalog::find_upload(app.catalog.local(), id) : std::nullopt;
    if (!found) throw http_error(404, "upload_not_found", "no upload " + id);
    require_owner(app, request, *found);
    auto response = http_response::json(200, upload_json(*found));
    response.set_header("Cache-Control", "no-store");
    return response;
}

http_response list_film_uploads(festival_app& app, http_request& request) {
    const auto film = load_film_for_change(app, request);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& u : catalog::list_film_uploads(app.catalog.local(), film.id))
        items.push_back(upload_json(u));
    auto response = http_response::json(200, {{"items", items}});
    response.set_header("Cache-Control", "no-store");
    return response;
}

}  // namespace festival::server
