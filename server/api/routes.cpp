#include "server/api/routes.hpp"

#include "server/api/handlers.hpp"
#include "server/api/film_access.hpp"
#include "server/api/viewer_rights.hpp"
#include "server/uploads/audio_tracks_api.hpp"
#include "server/uploads/film_assets_api.hpp"
#include "server/uploads/uploads_api.hpp"
#include "server/workers/worker_api.hpp"

namespace festival::server {

std::vector<route> festival_routes(festival_app& app) {
    auto bind = [&app](http_response (*fn)(festival_app&, http_request&)) {
        return [&app, fn](http_request& request) { return fn(app, request); };
    };
    constexpr std::size_t small_body = 64 * 1024;
    constexpr std::size_t film_body = 256 * 1024;
    auto sink = [&app](std::unique_ptr<body_sink> (*fn)(festival_app&, http_request&)) {
        return [&app, fn](http_request& request) { return fn(app, request); };
    };
    const auto upload_body = static_cast<std::size_t>(app.settings->max_upload_bytes);
    using enum access;
    using enum runs_on;
    return {
        // method  pattern                    who may        where         body limit   handler
        {"GET",    "/healthz",                anyone,        io_thread,    0,           bind(get_health)},
        {"GET",    "/readyz",                 anyone,        worker_pool,  0,           bind(get_ready)},
        {"GET",    "/api/festival",           anyone,        worker_pool,  0,           bind(get_festival)},
        {"PUT",    "/api/festival",           organizer,     worker_pool,  small_body,  bind(put_festival)},
        {"GET",    "/api/films",              anyone,        worker_pool,  0,           bind(list_films)},
        {"POST",   "/api/films",              curator,       worker_pool,  film_body,   bind(create_film)},
        {"GET",    "/api/films/{key}",        anyone,        worker_pool,  0,           bind(get_film)},
        {"PATCH",  "/api/films/{key}",        curator,       worker_pool,  film_body,   bind(patch_film)},
        {"DELETE", "/api/films/{key}",        organizer,     worker_pool,  0,           bind(delete_film)},
        {"PUT",    "/api/films/{key}/curators", organizer,   worker_pool,  small_body,  bind(put_film_curators)},
        {"POST",   "/api/films/{key}/versions/{version}/publish", curator, worker_pool, 0, bind(publish_film_version)},
        {"POST",   "/api/session",            anyone,        password_pool, small_body, bind(sign_in)},
        {"GET",    "/api/session",            anyone,        worker_pool,  0,           bind(get_session)},
        {"DELETE", "/api/session",            anyone,        worker_pool,  0,           bind(sign_out)},
        // Accounts from the web (docs/accounts.md); invitation tokens are kept out of the access log.
        {"PUT",    "/api/session/password",   curator,       password_pool, small_body, bind(change_password)},
        {"POST",   "/api/invitations",        organizer,     worker_pool,  small_body,  bind(create_invitation)},
        {"GET",    "/api/invitations",        organizer,     worker_pool,  0,           bind(list_invitations)},
        {"DELETE", "/api/invitations/{id}",   organizer,     worker_pool,  0,           bind(revoke_invitation)},
        {"GET",    "/api/invitations/{token}", anyone,       worker_pool,  0,           bind(get_invitation)},
        {"POST",   "/api/invitations/{token}/accept", anyone, password_pool, small_body, bind(accept_invitation)},
        {"GET",    "/api/users",              organizer,     worker_pool,  0,           bind(list_users)},
        {"POST",   "/api/users/{id}/disable", organizer,     worker_pool,  0,           bind(disable_user)},
        {"POST",   "/api/users/{id}/enable",  organizer,     worker_pool,  0,           bind(enable_user)},
        {"GET",    "/api/audit",              organizer,     worker_pool,  0,           bind(list_audit)},
        // Resumable uploads (tus 1.0.0); bodies stream to disk through a sink, up to the upload limit.
        {"OPTIONS", "/api/uploads",           anyone,        io_thread,    0,           bind(tus_options)},
        {"POST",   "/api/uploads",            curator,       worker_pool,  upload_body, nullptr,
                                                                           sink(open_upload_creation)},
        {"HEAD",   "/api/uploads/{id}",       curator,       worker_pool,  0,           bind(head_upload)},
        {"PATCH",  "/api/uploads/{id}",       curator,       worker_pool,  upload_body, nullptr,
                                                                           sink(open_upload_patch)},
        {"DELETE", "/api/uploads/{id}",       curator,       worker_pool,  0,           bind(delete_upload)},
        {"GET",    "/api/uploads/{id}",       curator,       worker_pool,  0,           bind(get_upload)},
        {"GET",    "/api/films/{key}/uploads", curator,      worker_pool,  0,           bind(list_film_uploads)},
        {"PUT",    "/api/films/{key}/subtitles/{lang}", curator, worker_pool, subtitles_body_limit, bind(put_film_subtitles)},
        {"DELETE", "/api/films/{key}/subtitles/{lang}", curator, worker_pool, 0,       bind(delete_film_subtitles)},
        {"GET",    "/api/films/{key}/audio",  curator,       worker_pool,  0,           bind(list_film_audio)},
        {"DELETE", "/api/films/{key}/audio/{id}", curator,   worker_pool,  0,           bind(delete_film_audio)},
        {"PUT",    "/api/films/{key}/poster", curator,       worker_pool,  poster_body_limit, bind(put_film_poster)},
        {"GET",    "/api/films/{key}/poster", anyone,        worker_pool,  0,           bind(get_film_poster)},
        {"GET",    "/api/films/{key}/ratings",  anyone,     worker_pool,  0,           bind(get_film_ratings)},
        {"POST",   "/api/films/{key}/ratings",  anyone,     worker_pool,  4 * 1024,    bind(post_film_rating)},
        {"GET",    "/api/films/{key}/comments", anyone,     worker_pool,  0,           bind(get_film_comments)},
        {"POST",   "/api/films/{key}/comments", anyone,     worker_pool,  32 * 1024,   bind(post_film_comment)},
        {"GET",    "/api/feedback/form",        anyone,     worker_pool,  0,           bind(get_feedback_form)},
        {"PUT",    "/api/feedback/form",        organizer,  worker_pool,  small_body,  bind(put_feedback_form)},
        {"POST",   "/api/feedback",             anyone,     worker_pool,  small_body,  bind(post_feedback_answers)},
        {"GET",    "/api/moderation/comments",  organizer,  worker_pool,  0,           bind(list_moderation_comments)},
        {"POST",   "/api/moderation/comments",  organizer,  worker_pool,  small_body,  bind(moderate_comments)},
        {"GET",    "/api/moderation/export.csv", organizer, worker_pool,  0,           bind(export_feedback_csv)},
        {"GET",    "/api/moderation/export.json", organizer, worker_pool, 0,           bind(export_feedback_json)},
        {"GET",    "/api/award",                anyone,     worker_pool,  0,           bind(get_award)},
        {"PUT",    "/api/award",                organizer,  worker_pool,  small_body,  bind(put_award)},
        {"POST",   "/api/films/{key}/premieres", curator,    worker_pool,  small_body,  bind(schedule_film_premiere)},
        {"GET",    "/api/films/{key}/premieres", anyone,     worker_pool,  0,           bind(list_film_premieres)},
        {"GET",    "/api/premieres",          organizer,     worker_pool,  0,           bind(list_premieres)},
        {"GET",    "/api/premieres/{id}",     anyone,        worker_pool,  0,           bind(get_premiere)},
        {"DELETE", "/api/premieres/{id}",     curator,       worker_pool,  0,           bind(cancel_premiere)},
        {"GET",    "/api/premieres/{id}/calendar.ics", anyone, worker_pool, 0,          bind(get_premiere_calendar)},
        {"GET",    "/api/films/{key}/embed",  curator,       worker_pool,  0,           bind(get_film_embed)},
        {"PUT",    "/api/films/{key}/embed",  curator,       worker_pool,  small_body,  bind(put_film_embed)},
        {"GET",    "/api/films/{key}/jobs",   curator,       worker_pool,  0,           bind(list_film_jobs)},
        {"GET",    "/api/jobs/{id}",          curator,       worker_pool,  0,           bind(get_job)},
        {"POST",   "/api/jobs/{id}/cancel",   curator,       worker_pool,  0,           bind(cancel_job)},
        {"GET",    "/api/jobs/{id}/events",   curator,       worker_pool,  0,           bind(job_events)},
        {"POST",   "/api/films/{key}/access", anyone,        worker_pool,  4 * 1024,    bind(post_film_access)},
        {"POST",   "/api/films/{key}/plays",  anyone,        worker_pool,  4 * 1024,    bind(start_play)},
        {"POST",   "/api/plays/{id}/heartbeat", anyone,      io_thread,    4 * 1024,    bind(play_heartbeat)},
        {"POST",   "/api/plays/{id}/end",     anyone,        io_thread,    4 * 1024,    bind(end_play)},
        {"GET",    "/api/stats",              organizer,     worker_pool,  0,           bind(get_stats)},
        {"GET",    "/api/stats/live",         organizer,     worker_pool,  0,           bind(get_live_stats)},
        {"GET",    "/api/stats/export",       organizer,     worker_pool,  0,           bind(export_stats)},
        {"GET",    "/api/stats/films/{key}/retention", organizer, worker_pool, 0,       bind(get_film_retention)},
        {"GET",    "/api/stats/concurrency",  organizer,     worker_pool,  0,           bind(get_concurrency)},
        // Filmmakers' reports (docs/reports.md): the token is the only key, so its answers are never stored.
        {"POST",   "/api/films/{key}/report-links", organizer, worker_pool, small_body,  bind(create_report_link)},
        {"GET",    "/api/films/{key}/report-links", organizer, worker_pool, 0,           bind(list_report_links)},
        {"DELETE", "/api/report-links/{id}",  organizer,     worker_pool,  0,           bind(revoke_report_link)},
        {"GET",    "/api/reports/{token}",    anyone,        worker_pool,  0,           bind(get_report)},
        {"GET",    "/api/reports/{token}/report.csv", anyone, worker_pool, 0,           bind(get_report_csv)},
        // Premiere rooms (docs/premieres.md): the balancer sends /api/rooms/<id>/… to one node per room.
        {"GET",    "/api/rooms/{id}/socket",  anyone,        worker_pool,  0,           bind(get_room_socket)},
        {"GET",    "/api/rooms/{id}/events",  anyone,        worker_pool,  0,           bind(get_room_events)},
        {"POST",   "/api/rooms/{id}/messages", anyone,       worker_pool,  8 * 1024,    bind(post_room_message)},
        {"POST",   "/api/premieres/{id}/moderator-links", curator, worker_pool, small_body, bind(create_room_moderator_link)},
        {"GET",    "/api/premieres/{id}/moderator-links", curator, worker_pool, 0,      bind(list_room_moderator_links)},
        {"DELETE", "/api/premieres/{id}/moderator-links/{link}", curator, worker_pool, 0, bind(revoke_room_moderator_link)},
        {"GET",    "/api/premieres/{id}/room.json", organizer, worker_pool, 0,         bind(export_room_json)},
        {"GET",    "/api/premieres/{id}/room.csv", organizer, worker_pool,  0,         bind(export_room_csv)},
        // Transcoder workers on other hosts, by bearer token (docs/workers.md).
        {"POST",   "/api/worker/jobs/claim",  worker,        worker_pool,  small_body,  bind(claim_worker_job)},
        {"POST",   "/api/worker/jobs/{id}/heartbeat", worker, worker_pool, small_body,  bind(worker_job_heartbeat)},
        {"GET",    "/api/worker/jobs/{id}/inputs/{name}", worker, worker_pool, 0,       bind(get_worker_job_input)},
        {"GET",    "/api/worker/jobs/{id}/output", worker,   worker_pool,  0,           bind(get_worker_job_output)},
        {"PUT",    "/api/worker/jobs/{id}/output/{path...}", worker, worker_pool, worker_output_body_limit(*app.settings),
                                                                           nullptr, sink(open_worker_output)},
        {"POST",   "/api/worker/jobs/{id}/finish", worker,   worker_pool,  worker_finish_body_limit, bind(finish_worker_job)},
        {"POST",   "/api/worker/jobs/{id}/fail", worker,     worker_pool,  small_body,  bind(fail_worker_job)},
        {"POST",   "/api/worker/jobs/{id}/release", worker,  worker_pool,  small_body,  bind(release_worker_job)},
        {"GET",    "/media/{film}/{rest...}", anyone,        io_thread,    0,           bind(get_media_file)},
        {"GET",    "/preview/{film}/{rest...}", curator,     worker_pool,  0,           bind(get_media_preview)},
        // Feeds, calendar files and what search engines read (docs/feeds.md).
        {"GET",    "/{lang}/feed.atom",       anyone,        worker_pool,  0,           bind(get_film_feed)},
        {"GET",    "/api/films/{key}/calendar.ics", anyone,  worker_pool,  0,           bind(get_film_calendar)},
        {"GET",    "/sitemap.xml",            anyone,        worker_pool,  0,           bind(get_sitemap)},
        {"GET",    "/robots.txt",             anyone,        io_thread,    0,           bind(get_robots)},
        {"GET",    "/{lang}/report/{key}",    anyone,        worker_pool,  0,           bind(get_report_page)},
        {"GET",    "/api/locale",             anyone,        io_thread,    0,           bind(get_locale)},
        {"GET",    "/embed/{key}",            anyone,        worker_pool,  0,           bind(get_embed_page)},
        {"GET",    "/",                       anyone,        io_thread,    0,           bind(get_web_page)},
        {"GET",    "/{path...}",              anyone,        io_thread,    0,           bind(get_web_page)},
    };
}

}  // namespace festival::server
