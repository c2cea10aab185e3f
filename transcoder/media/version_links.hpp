#pragma once
// A new version made of an existing one's files: hard links (same file system, no byte copied), so
// that a re-packaging (new audio renditions) never re-encodes nor copies the video.
#include <set>
#include <string>

#include "transcoder/media/media_layout.hpp"

namespace festival::media {

// Hard links every file of `from` into `to`, but the master and the manifest (the new version writes
// its own) and the audio renditions whose ids `kept_audio` does not name. Throws
// std::filesystem::filesystem_error.
void link_version_files(const version_layout& from, const version_layout& to, const std::set<std::string>& kept_audio);

}  // namespace festival::media
