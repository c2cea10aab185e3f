#include "server/routes.hpp"

#include "server/handlers.hpp"

namespace festival::server {

std::vector<route> festival_routes(festival_app& app) {
    auto bind = [&app](http_response (*fn)(festival_app&, http_request&)) {
        return [&app, fn](http_request& request) { return fn(app, request); };
    };
    constexpr std::size_t small_body = 64 * 1024;
    constexpr std::size_t film_body = 256 * 1024;
    using enum access;
    using enum runs_on;
    return {
        // method  pattern                    who may        where         body limit   handler
        {"GET",    "/healthz",                anyone,        io_thread,    0,           bind(get_health)},
        {"GET",    "/api/festival",           anyone,        worker_pool,  0,           bind(get_festival)},
        {"PUT",    "/api/festival",           organizer,     worker_pool,  small_body,  bind(put_festival)},
        {"GET",    "/api/films",              anyone,        worker_pool,  0,           bind(list_films)},
        {"POST",   "/api/films",              curator,       worker_pool,  film_body,   bind(create_film)},
        {"GET",    "/api/films/{key}",        anyone,        worker_pool,  0,           bind(get_film)},
        {"PATCH",  "/api/films/{key}",        curator,       worker_pool,  film_body,   bind(patch_film)},
        {"DELETE", "/api/films/{key}",        curator,       worker_pool,  0,           bind(delete_film)},
        {"POST",   "/api/session",            anyone,        worker_pool,  small_body,  bind(sign_in)},
        {"GET",    "/api/session",            anyone,        worker_pool,  0,           bind(get_session)},
        {"DELETE", "/api/session",            anyone,        worker_pool,  0,           bind(sign_out)},
        {"GET",    "/media/{film}/{rest...}", anyone,        io_thread,    0,           bind(get_media_file)},
        {"GET",    "/preview/{film}/{rest...}", curator,     worker_pool,  0,           bind(get_media_preview)},
        {"GET",    "/api/locale",             anyone,        io_thread,    0,           bind(get_locale)},
        {"GET",    "/",                       anyone,        io_thread,    0,           bind(get_web_page)},
        {"GET",    "/{path...}",              anyone,        io_thread,    0,           bind(get_web_page)},
    };
}

}  // namespace festival::server
