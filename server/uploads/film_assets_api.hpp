#pragma once
// A film's smaller assets, sent by curators in one request each: subtitles per language (checked,
// converted to WebVTT, stored beside the film's sources) and the poster image.
#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {

http_response put_film_subtitles(festival_app& app, http_request& request);     // PUT /api/films/{key}/subtitles/{lang}
http_response delete_film_subtitles(festival_app& app, http_request& request);  // DELETE …/subtitles/{lang}
http_response put_film_poster(festival_app& app, http_request& request);        // PUT /api/films/{key}/poster
http_response get_film_poster(festival_app& app, http_request& request);        // GET /api/films/{key}/poster

inline constexpr std::size_t subtitles_body_limit = 4 * 1024 * 1024;
inline constexpr std::size_t poster_body_limit = 5 * 1024 * 1024;

}  // namespace festival::server
