// The premiere rooms' routes: the WebSocket, its fallback (an event stream plus POSTs), guest
// moderator links and the organizers' export (docs/premieres.md).
#include <cctype>
#include <charconv>

#include "catalog/accounts.hpp"
#include "catalog/clock.hpp"
#include "catalog/premieres.hpp"
#include "catalog/room_log.hpp"
#include "server/api/dispatcher.hpp"
#include "server/api/film_access.hpp"
#include "server/api/handlers.hpp"
#include "server/api/page_urls.hpp"
#include "server/room/room_event_stream.hpp"
#include "server/room/room_socket.hpp"

namespace festival::server {
namespace {

std::int64_t positive_id(const http_request& request, std::string_view name, const char* code) {
    const auto& text = request.params.at(name);
    std::int64_t id = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error != std::errc() || end != text.data() + text.size() || id <= 0)
        throw http_error(404, code, "nothing is known by " + text);
    return id;
}

catalog::premiere load_premiere(festival_app& app, const http_request& request) {
    auto found = catalog::find_premiere(app.catalog.local(), positive_id(request, "id", "premiere_not_found"));
    if (!found) throw http_error(404, "premiere_not_found", "no such premiere");
    return std::move(*found);
}

// A staff session may moderate the room of its films (organizers every room), but only from the
// festival's own pages: a cross-site page's WebSocket carries the cookie too.
std::optional<std::string> session_moderator(festival_app& app, const http_request& request,
                                             const catalog::premiere& premiere) {
    if (!request.session || from_another_site(request)) return std::nullopt;
    if (!can_edit_film(app, *request.session, premiere.film_id)) return std::nullopt;
    return "session:" + std::to_string(request.session->user.id);
}

std::string participant_hash_of(const std::string& token) {
    bool valid = token.size() == 32;
    for (const char c : token) valid = valid && std::isxdigit(static_cast<unsigned char>(c));
    if (!valid) throw http_error(400, "invalid_participant", "'participant' must be 32 hex digits");
    std::string lower = token;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return catalog::token_hash(lower);
}

int refusal_status(const std::string& code) {
    if (code == "not_found") return 404;
    if (code == "not_moderator") return 403;
    if (code == "rate_limited" || code == "slow_mode") return 429;
    if (code == "room_closed" || code == "hello_first") return 409;
    return 400;
}

http_response download(std::string body, const char* type, const std::string& filename) {
    http_response response;
    response.body = std::move(body);
    response.set_header("Content-Type", type);
    response.set_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    response.set_header("Cache-Control", "no-store");
    return response;
}

catalog::premiere premiere_for_links(festival_app& app, const http_request& request) {
    auto premiere = load_premiere(app, request);
    require_film_access(app, request, premiere.film_id);
    return premiere;
}

// Another live node holds the room: the balancer passes the request on to the next node
// (proxy_next_upstream http_503: nothing was done here, so it is safe) and a client retries after 1 s.
http_response room_elsewhere_response() {
    auto response = error_response(503, "room_elsewhere", "another node holds this room; try again");
    response.set_header("Retry-After", "1");
    return response;
}

// The premiere's room, opened on this node; nullptr when another live node holds it.
std::shared_ptr<room> open_here(festival_app& app, std::int64_t premiere_id) {
    std::shared_ptr<room> opened;
    try {
        opened = app.rooms.open(app.catalog.local(), premiere_id);
    } catch (const room_held_elsewhere&) {
        return nullptr;
    }
    if (!opened) throw http_error(404, "premiere_not_found", "no such premiere");
    return opened;
}

}  // namespace

http_response get_room_socket(festival_app& app, http_request& request) {
    const auto premiere = load_premiere(app, request);
    auto opened = open_here(app, premiere.id);
    if (!opened) return room_elsewhere_response();
    http_response response;
    response.websocket = std::make_shared<room_socket>(std::move(opened), session_moderator(app, request, premiere));
    return response;
}

http_response get_room_events(festival_app& app, http_request& request) {
    const auto premiere = load_premiere(app, request);
    const auto hash = participant_hash_of(request.query_param("participant").value_or(""));
    auto opened = open_here(app, premiere.id);
    if (!opened) return room_elsewhere_response();
    http_response response;
    response.set_header("Content-Type", "text/event-stream");
    response.set_header("Cache-Control", "no-store");
    response.body = ": the room's events; POST a hello to join\n\n";
    response.events = open_room_event_stream(std::move(opened), hash, session_moderator(app, request, premiere));
    return response;
}

http_response post_room_message(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto id = positive_id(request, "id", "premiere_not_found");
    auto message = request.json_body();
    if (!message.is_object() || !message.contains("participant") || !message["participant"].is_string())
        throw http_error(400, "invalid_message", "the body is a room message with \"participant\"");
    const auto hash = participant_hash_of(message["participant"].get<std::string>());
    auto open = app.rooms.find(id);
    auto connection = open ? open->stream_of(hash) : nullptr;
    if (!connection) {
        if (!catalog::find_premiere(app.catalog.local(), id)) throw http_error(404, "premiere_not_found", "no such premiere");
        // The participant's event stream is on the room's holder (a node the hash no longer picks
        // first, e.g. after this one came back): the balancer passes the POST on to it.
        if (app.rooms.held_elsewhere(app.catalog.local(), id)) return room_elsewhere_response();
        throw http_error(409, "no_event_stream", "open the room's event stream for this participant first");
    }
    if (message.value("type", "") != "hello") message.erase("participant");
    if (auto refusal = open->receive(*connection, message)) {
        auto response = error_response(refusal_status(refusal->code), refusal->code, refusal->message);
        if (refusal->retry_after) response.set_header("Retry-After", std::to_string(*refusal->retry_after));
        return response;
    }
    return http_response::json(202, nlohmann::json::object());
}

http_response create_room_moderator_link(festival_app& app, http_request& request) {
    require_json_content(request);
    const auto premiere = premiere_for_links(app, request);
    const auto body = request.json_body();
    const auto label = body.is_object() && body.contains("label") && body["label"].is_string()
                           ? body["label"].get<std::string>()
                           : std::string();
    auto& db = app.catalog.local();
    const auto made = catalog::create_moderator_link(db, premiere.id, label);
    app.rooms.refresh_links(db, premiere.id);
    auto out = catalog::moderator_link_to_json(made.link);
    out["token"] = made.token;
    // In the language of whoever made it (they pass it on); the token stays in the fragment, never sent.
    const auto accept = request.header("accept-language");
    const auto language = accept ? preferred_page_language(*accept).value_or("en") : std::string("en");
    out["url"] = page_path(language, "premieres/" + std::to_string(premiere.id)) + "#moderator=" + made.token;
    return http_response::json(201, out);
}

http_response list_room_moderator_links(festival_app& app, http_request& request) {
    const auto premiere = premiere_for_links(app, request);
    auto links = nlohmann::json::array();
    for (const auto& link : catalog::list_moderator_links(app.catalog.local(), premiere.id))
        links.push_back(catalog::moderator_link_to_json(link));
    return http_response::json(200, {{"links", std::move(links)}});
}

http_response revoke_room_moderator_link(festival_app& app, http_request& request) {
    const auto premiere = premiere_for_links(app, request);
    auto& db = app.catalog.local();
    catalog::revoke_moderator_link(db, premiere.id, positive_id(request, "link", "moderator_link_not_found"));
    app.rooms.refresh_links(db, premiere.id);
    http_response response;
    response.status = 204;
    return response;
}

http_response export_room_json(festival_app& app, http_request& request) {
    const auto premiere = load_premiere(app, request);
    auto& db = app.catalog.local();
    auto out = catalog::room_export_json(db, premiere.id);
    out["premiere"] = catalog::premiere_to_json(premiere, catalog::unix_now());
    return download(out.dump(2), "application/json; charset=utf-8",
                    "premiere-" + std::to_string(premiere.id) + "-room.json");
}

http_response export_room_csv(festival_app& app, http_request& request) {
    const auto premiere = load_premiere(app, request);
    return download(catalog::room_export_csv(app.catalog.local(), premiere.id), "text/csv; charset=utf-8",
                    "premiere-" + std::to_string(premiere.id) + "-room.csv");
}

}  // namespace festival::server
