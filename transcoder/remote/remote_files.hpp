#pragma once
// The files a remote worker moves, without the network: the names it accepts, where a partial download
// resumes, what an output folder holds (size and SHA-256 of each file), and what of it the server
// still lacks.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::transcoder::remote {

struct file_facts {
    std::uint64_t bytes = 0;
    std::string sha256;  // lower-case hex
    bool operator==(const file_facts&) const = default;
};
using file_listing = std::map<std::string, file_facts>;  // relative path → facts

// An output path the server accepts: segments of [A-Za-z0-9._-] joined by '/', none empty, "." or "..".
bool valid_output_path(const std::string& path);
// An input the server may name: "master", "subtitle-<n>" or "audio-<n>" (also the local file's name).
bool valid_input_name(const std::string& name);

std::string sha256_of_file(const std::filesystem::path& file);

// Every regular file under `folder`, by relative path. Throws when a name is not a valid output path
// or the folder holds anything but files and folders.
file_listing list_output(const std::filesystem::path& folder);
// `{"files":{path:{bytes,sha256}}}` as the server answers it; entries that do not parse are left out.
file_listing listing_from_json(const nlohmann::json& answer);
// The finish request's `files` array.
nlohmann::json listing_to_json(const file_listing& files);
// The local files the server lacks or holds with another size or hash, in path order.
std::vector<std::string> files_to_upload(const file_listing& local, const file_listing& remote);

// Where the download of a `bytes` long input resumes given what `partial` holds: its size, or 0 when it
// is missing or longer than the input (not a prefix of it).
std::uint64_t resume_offset(const std::filesystem::path& partial, std::uint64_t bytes);

}  // namespace festival::transcoder::remote
