// festival-transcoder: probe | demo-source | transcode | work. Thin: parses flags, calls the library.
#include "transcoder/command_line.hpp"

int main(int argc, char** argv) { return festival::transcoder::run_command_line(argc, argv); }
