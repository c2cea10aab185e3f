#include "transcoder/process/worker_settings.hpp"

namespace festival::process {

std::vector<std::string> worker_settings::to_flags() const {
    std::vector<std::string> flags = {"--lease-seconds",  std::to_string(lease_seconds), "--preset", preset,
                                      "--sandbox-user", sandbox_user, "--max-output-file-mb", std::to_string(max_output_file_mb)};
    if (!catalog.empty()) flags.insert(flags.end(), {"--catalog", catalog});
    return flags;
}

worker_settings worker_settings::from_flags(const command_flags& flags) {
    worker_settings s;
    s.lease_seconds = flags.number("lease-seconds", s.lease_seconds, 1, 86400);
    s.preset = flags.get("preset", s.preset);
    s.sandbox_user = flags.get("sandbox-user", s.sandbox_user);
    s.max_output_file_mb = flags.number("max-output-file-mb", s.max_output_file_mb, 1, 1 << 20);
    s.catalog = flags.get("catalog", s.catalog);
    return s;
}

const std::vector<std::string>& worker_settings::flag_names() {
    static const std::vector<std::string> names = {"lease-seconds", "preset", "sandbox-user", "max-output-file-mb", "catalog"};
    return names;
}

}  // namespace festival::process
