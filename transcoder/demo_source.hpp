#pragma once
// A test clip made from libavfilter's test sources: a moving pattern with a label and a clock, and a
// tone, encoded H.264 + AAC in MP4. Used by the demo festival, the tests and the benchmark.
#include <string>

namespace festival::transcoder {

struct demo_source_options {
    std::string output;
    int seconds = 10;
    int width = 1280;
    int height = 720;
    int frame_rate = 25;
    std::string label;
    std::string preset = "veryfast";
    bool audio = true;
};

// Throws av_failure / std::runtime_error.
void make_demo_source(const demo_source_options& options);

}  // namespace festival::transcoder
