#pragma once
#include <string>
#include <vector>

namespace festival::server {

// `festival serve [flags]`: runs until SIGINT/SIGTERM. Returns the process exit code.
int serve_command(const std::vector<std::string>& args);

}  // namespace festival::server
