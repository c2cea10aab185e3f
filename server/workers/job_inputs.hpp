#pragma once
// The files a worker on another host needs for a transcode job, by the names the API gives them:
// "master", "subtitle-<n>" and "audio-<n>" (n: the position, from 0, in the job's subtitles and
// audio tracks).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/jobs.hpp"

namespace festival::server {

class input_digests;

struct job_input {
    std::string name;
    std::filesystem::path path;
    nlohmann::json about;  // what the worker needs to know besides the bytes: a track's lang, role, name
};

std::vector<job_input> job_inputs(const catalog::job& job);
std::optional<job_input> find_job_input(const catalog::job& job, const std::string& name);

// [{"name","bytes","sha256","url", …about}] for the claim's answer. Throws std::system_error (ENOENT
// when a file is missing) when one cannot be read.
nlohmann::json describe_job_inputs(const catalog::job& job, input_digests& digests);

}  // namespace festival::server
