#include "server/workers/job_inputs.hpp"

#include "server/workers/input_digests.hpp"

namespace festival::server {

std::vector<job_input> job_inputs(const catalog::job& job) {
    std::vector<job_input> inputs;
    inputs.push_back({"master", job.source_path, nlohmann::json::object()});
    for (std::size_t i = 0; i < job.subtitles.size(); ++i)
        inputs.push_back({"subtitle-" + std::to_string(i), job.subtitles[i].path, {{"lang", job.subtitles[i].lang}}});
    for (std::size_t i = 0; i < job.audio_tracks.size(); ++i) {
        const auto& t = job.audio_tracks[i];
        inputs.push_back({"audio-" + std::to_string(i), t.path, {{"lang", t.lang}, {"role", t.role}, {"track_name", t.name}}});
    }
    return inputs;
}

std::optional<job_input> find_job_input(const catalog::job& job, const std::string& name) {
    for (auto& input : job_inputs(job))
        if (input.name == name) return input;
    return std::nullopt;
}

nlohmann::json describe_job_inputs(const catalog::job& job, input_digests& digests) {
    auto list = nlohmann::json::array();
    for (const auto& input : job_inputs(job)) {
        const auto digest = digests.of(input.path);
        auto entry = input.about;
        entry["name"] = input.name;
        entry["bytes"] = digest.bytes;
        entry["sha256"] = digest.sha256;
        entry["url"] = "/api/worker/jobs/" + std::to_string(job.id) + "/inputs/" + input.name;
        list.push_back(std::move(entry));
    }
    return list;
}

}  // namespace festival::server
