#pragma once
// A published version folder as a transcoder leaves it, made by hand: the server only reads the
// playlists, so the bytes of the segments do not matter.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace festival::testing {

using named_files = std::vector<std::pair<std::string, std::string>>;  // file name, bytes

// Writes `version`/master.m3u8 naming one 640x360 rendition, and `rendition` (index.m3u8 and its
// segments) under `version`/360p/.
void write_one_rendition_version(const std::filesystem::path& version, const named_files& rendition);

}  // namespace festival::testing
