#pragma once
// /api/uploads: resumable film uploads over the tus 1.0.0 protocol (core, creation,
// creation-with-upload, termination, expiration, checksum sha1), for curators and organizers.
#include <memory>

#include "server/festival_app.hpp"
#include "server/http/router.hpp"

namespace festival::server {

http_response tus_options(festival_app& app, http_request& request);                   // OPTIONS /api/uploads
std::unique_ptr<body_sink> open_upload_creation(festival_app& app, http_request& request);  // POST /api/uploads
http_response head_upload(festival_app& app, http_request& request);                   // HEAD /api/uploads/{id}
std::unique_ptr<body_sink> open_upload_patch(festival_app& app, http_request& request);     // PATCH /api/uploads/{id}
http_response delete_upload(festival_app& app, http_request& request);                 // DELETE /api/uploads/{id}
http_response get_upload(festival_app& app, http_request& request);                    // GET /api/uploads/{id}
http_response list_film_uploads(festival_app& app, http_request& request);             // GET /api/films/{key}/uploads

}  // namespace festival::server
