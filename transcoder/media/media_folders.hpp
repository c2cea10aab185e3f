#pragma once
// The folders a film's media lives in, and how they go away. A film has data/media/<film>/v<job>/ per
// published version (plus .tmp-<job>/ while a job writes one); a removed folder is first renamed to
// .deleted-<name> beside it, so that a crash midway leaves a name the next sweep finishes removing.
// Used by both the transcoder worker and the server, which each publish versions.
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "transcoder/media/media_layout.hpp"

namespace festival::media {

// Removes every v<n> folder of `film_dir` whose version is not in `keep`; returns those removed.
std::vector<std::int64_t> prune_versions(const std::filesystem::path& film_dir, const std::set<std::int64_t>& keep);

// Renames `dir` to .deleted-<name> in its parent, then removes it. False when something is left
// (remove_discarded_folders finishes it later). A missing `dir` is not an error.
bool discard_folder(const std::filesystem::path& dir);
// Removes what earlier discard_folder calls left in `parent`; returns how many it removed.
int remove_discarded_folders(const std::filesystem::path& parent);

}  // namespace festival::media
