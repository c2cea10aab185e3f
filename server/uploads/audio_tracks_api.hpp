#pragma once
// A film's audio tracks as its curators and organizers manage them: list, and delete (which rebuilds
// the film's audio without it). Tracks are added through tus uploads (upload_audio).
#include "server/festival_app.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {

http_response list_film_audio(festival_app& app, http_request& request);   // GET /api/films/{key}/audio
http_response delete_film_audio(festival_app& app, http_request& request); // DELETE /api/films/{key}/audio/{id}

}  // namespace festival::server
