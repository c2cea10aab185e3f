#pragma once
// A film's files outside the catalog: its media versions (data/media/<film>/), its masters and
// subtitles (data/sources/<film>/) and its uploads' bytes. They follow the catalog, never lead it:
// the catalog changes first, the files after, and a removal that fails halfway is finished later.
#include <cstdint>
#include <string>
#include <vector>

#include "server/festival_app.hpp"

namespace festival::server {

// Removes the files of a film already deleted from the catalog, and whatever an earlier deletion
// left behind. Never throws: what it cannot remove now, the next deletion or worker start does.
void remove_film_files(festival_app& app, std::int64_t film_id, const std::vector<std::string>& upload_ids);

// Removes the film's version folders the catalog no longer names (current, previous, pending stay).
void prune_film_versions(festival_app& app, std::int64_t film_id);

}  // namespace festival::server
