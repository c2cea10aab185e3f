#pragma once
// Request handlers, one file per concern. Each takes the app and the request and returns a response
// or throws http_error / catalog_error.
#include "catalog/stats.hpp"
#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {

// health_api.cpp
http_response get_health(festival_app& app, http_request& request);
// Readiness: the catalog takes a write, the disk has headroom, the transcoder workers run (503 naming what failed).
http_response get_ready(festival_app& app, http_request& request);

// festival_api.cpp
http_response get_festival(festival_app& app, http_request& request);
http_response put_festival(festival_app& app, http_request& request);

// films_api.cpp
http_response list_films(festival_app& app, http_request& request);
http_response get_film(festival_app& app, http_request& request);
http_response create_film(festival_app& app, http_request& request);
http_response patch_film(festival_app& app, http_request& request);
http_response delete_film(festival_app& app, http_request& request);
http_response publish_film_version(festival_app& app, http_request& request);

// session_api.cpp
http_response sign_in(festival_app& app, http_request& request);
http_response get_session(festival_app& app, http_request& request);
http_response sign_out(festival_app& app, http_request& request);
// Opens a session for `user` and answers as a sign-in does ({"user", "csrf_token", "expires_at"} and
// the session cookie), with `status`.
http_response open_signed_in_session(festival_app& app, const catalog::user& user, int status);

// accounts_api.cpp (invitations, password change, disabling accounts, the audit log: docs/accounts.md)
http_response create_invitation(festival_app& app, http_request& request);
http_response list_invitations(festival_app& app, http_request& request);
http_response revoke_invitation(festival_app& app, http_request& request);
http_response get_invitation(festival_app& app, http_request& request);
http_response accept_invitation(festival_app& app, http_request& request);
http_response change_password(festival_app& app, http_request& request);
http_response list_users(festival_app& app, http_request& request);
http_response disable_user(festival_app& app, http_request& request);
http_response enable_user(festival_app& app, http_request& request);
http_response list_audit(festival_app& app, http_request& request);

// jobs_api.cpp
http_response list_film_jobs(festival_app& app, http_request& request);
http_response get_job(festival_app& app, http_request& request);
http_response cancel_job(festival_app& app, http_request& request);
http_response job_events(festival_app& app, http_request& request);

// web_pages.cpp
http_response get_web_page(festival_app& app, http_request& request);
// GET /api/locale: {"lang": "fr"|"en"|"es"|null}, the page language Accept-Language prefers.
http_response get_locale(festival_app& app, http_request& request);
std::optional<std::string> preferred_page_language(std::string_view accept_language);

// media_files.cpp
http_response get_media_file(festival_app& app, http_request& request);
http_response get_media_preview(festival_app& app, http_request& request);

// feedback_api.cpp (viewers, no account)
http_response post_film_rating(festival_app& app, http_request& request);
http_response get_film_ratings(festival_app& app, http_request& request);
http_response post_film_comment(festival_app& app, http_request& request);
http_response get_film_comments(festival_app& app, http_request& request);
http_response get_feedback_form(festival_app& app, http_request& request);
http_response put_feedback_form(festival_app& app, http_request& request);
http_response post_feedback_answers(festival_app& app, http_request& request);

// moderation_api.cpp (organizers; the award is public once published)
http_response list_moderation_comments(festival_app& app, http_request& request);
http_response moderate_comments(festival_app& app, http_request& request);
http_response get_award(festival_app& app, http_request& request);
http_response put_award(festival_app& app, http_request& request);
http_response export_feedback_csv(festival_app& app, http_request& request);
http_response export_feedback_json(festival_app& app, http_request& request);

// audience_api.cpp (the player's reports; heartbeats stay in memory)
http_response start_play(festival_app& app, http_request& request);
http_response play_heartbeat(festival_app& app, http_request& request);
http_response end_play(festival_app& app, http_request& request);

// stats_api.cpp (organizers)
http_response get_stats(festival_app& app, http_request& request);
http_response get_film_retention(festival_app& app, http_request& request);
http_response get_live_stats(festival_app& app, http_request& request);
http_response get_concurrency(festival_app& app, http_request& request);
http_response export_stats(festival_app& app, http_request& request);
// The statistics' JSON of totals and of a country's figures, and a CSV cell (text formula-guarded):
// what the organizers read, so filmmakers' reports show the same numbers the same way.
nlohmann::json audience_totals_json(const catalog::audience_totals& totals);
nlohmann::json country_totals_json(const catalog::country_totals& country);
std::string stats_csv_cell(const nlohmann::json& value);

// report_api.cpp (filmmakers' report links: organizers make and revoke them; the token opens the report)
http_response create_report_link(festival_app& app, http_request& request);
http_response list_report_links(festival_app& app, http_request& request);
http_response revoke_report_link(festival_app& app, http_request& request);
http_response get_report(festival_app& app, http_request& request);
http_response get_report_csv(festival_app& app, http_request& request);
// report_page.cpp: /{lang}/report/{key}, the page for an active token (404 for any other)
http_response get_report_page(festival_app& app, http_request& request);
// What every report answer carries: never stored, never sent on as a referrer, never indexed.
void add_report_headers(http_response& response);

// premieres_api.cpp (scheduling and cancelling: organizers and the film's curators; reading: anyone)
http_response schedule_film_premiere(festival_app& app, http_request& request);
http_response list_film_premieres(festival_app& app, http_request& request);
http_response list_premieres(festival_app& app, http_request& request);
http_response get_premiere(festival_app& app, http_request& request);
http_response cancel_premiere(festival_app& app, http_request& request);
http_response get_premiere_calendar(festival_app& app, http_request& request);
// The film JSON's "premieres": its coming and current ones, soonest first, each with the server's "now".
nlohmann::json film_premieres_json(festival_app& app, std::int64_t film_id);
// The statistics' "premieres": every premiere with its attendance (peak, total).
nlohmann::json premiere_stats_rows(catalog::database& db);

// room_api.cpp (premiere rooms: the WebSocket, its SSE + POST fallback, guest moderator links, export)
http_response get_room_socket(festival_app& app, http_request& request);
http_response get_room_events(festival_app& app, http_request& request);
http_response post_room_message(festival_app& app, http_request& request);
http_response create_room_moderator_link(festival_app& app, http_request& request);
http_response list_room_moderator_links(festival_app& app, http_request& request);
http_response revoke_room_moderator_link(festival_app& app, http_request& request);
http_response export_room_json(festival_app& app, http_request& request);
http_response export_room_csv(festival_app& app, http_request& request);

// feeds_api.cpp (anyone: the Atom feed of films per page language, a film's window as a calendar file,
// sitemap.xml, robots.txt; docs/feeds.md)
http_response get_film_feed(festival_app& app, http_request& request);
http_response get_film_calendar(festival_app& app, http_request& request);
http_response get_sitemap(festival_app& app, http_request& request);
http_response get_robots(festival_app& app, http_request& request);

// embed_api.cpp, embed_page.cpp (a film's player on other sites: its settings, for the film's
// curators and organizers; the page, framed only by the sites they allow)
http_response get_film_embed(festival_app& app, http_request& request);
http_response put_film_embed(festival_app& app, http_request& request);
http_response get_embed_page(festival_app& app, http_request& request);

// Shared by handlers: a JSON body must come as JSON (a cross-site form cannot send this type).
void require_json_content(const http_request& request);

}  // namespace festival::server
