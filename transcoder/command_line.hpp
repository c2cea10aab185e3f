#pragma once
namespace festival::transcoder {
// The festival-transcoder commands; returns the exit code (0 ok, 2 refused input, 1 other failure).
int run_command_line(int argc, char** argv);
}  // namespace festival::transcoder
