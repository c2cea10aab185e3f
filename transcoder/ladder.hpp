#pragma once
// The HLS ladder: which renditions a film gets. A rung is named by its standard height (1080, 720…)
// and fits the film's display aspect inside that rung's 16:9 box (9:16 for portrait films), never
// above the source's own size; at least one rung always.
#include <string>
#include <vector>

namespace festival::transcoder {

struct rung {
    int nominal = 0;  // 1080, 720, …: the name of the folder and of the quality
    int width = 0, height = 0;
    int video_kbps = 0;
    std::string name() const { return std::to_string(nominal) + "p"; }
};

const std::vector<int>& default_ladder();
// Target bitrate of a standard rung for a full 16:9 picture.
int nominal_kbps(int nominal);
// Parses "1080,720,360"; throws std::invalid_argument.
std::vector<int> parse_ladder(const std::string& text);
std::vector<rung> plan_ladder(const std::vector<int>& nominals, int display_width, int display_height);

}  // namespace festival::transcoder
