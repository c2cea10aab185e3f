#pragma once
// Test helpers: the ffmpeg CLI makes inputs, ffprobe inspects outputs, festival-transcoder runs as
// the product runs it (a child process).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::testing {

struct process_result {
    int exit_code = -1;
    std::string out;  // stdout only; stderr goes to `err`
    std::string err;
};

process_result run_process(const std::vector<std::string>& args);
// festival-transcoder with these arguments.
process_result run_transcoder(const std::vector<std::string>& args);
// `ffmpeg -v error -y ARGS`; fails the test when ffmpeg does.
void make_media(const std::vector<std::string>& args);
// `ffprobe -v error -of json ARGS FILE` parsed.
nlohmann::json probe_json(const std::filesystem::path& file, const std::vector<std::string>& args);
// Presentation times of the video keyframes of an HLS media playlist.
std::vector<double> keyframe_times(const std::filesystem::path& playlist);
std::string read_text(const std::filesystem::path& file);

// One #EXT-X-STREAM-INF (or #EXT-X-MEDIA) line's attributes, and the URI after it.
struct playlist_entry {
    std::map<std::string, std::string> attributes;  // values without quotes
    std::string uri;
};
std::vector<playlist_entry> stream_entries(const std::string& master);
std::vector<playlist_entry> media_entries(const std::string& master);
// The variants with pictures (RESOLUTION stated): the stream entries but the sound-only one.
std::vector<playlist_entry> video_variants(const std::string& master);

}  // namespace festival::testing
