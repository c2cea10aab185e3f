#include "transcoder/ladder.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace festival::transcoder {
namespace {

int even(double v) { return std::max(2, static_cast<int>(std::lround(v / 2.0)) * 2); }

}  // namespace

const std::vector<int>& default_ladder() {
    static const std::vector<int> ladder = {1080, 720, 480, 360, 240, 144};
    return ladder;
}

int nominal_kbps(int nominal) {
    switch (nominal) {
        case 2160: return 14000;
        case 1440: return 8000;
        case 1080: return 5000;
        case 720: return 2800;
        case 480: return 1400;
        case 360: return 800;
        case 240: return 400;
        // The smallest connections (prepaid mobile data, 2G/EDGE-class links). x264 needs about
        // 0.2 bit per pixel at 256x144 to keep faces and titles legible, more than the larger rungs'
        // share because a tiny picture compresses worse; with the muxed 128 kb/s sound the variant
        // stays near 300 kb/s, and the audio-only variant below it costs 128 kb/s.
        case 144: return 180;
        default: {
            // Between the standard rungs: the same bits per pixel as 1080p.
            const double pixels = nominal * (nominal * 16.0 / 9.0);
            return std::max(200, static_cast<int>(5000.0 * pixels / (1920.0 * 1080.0)));
        }
    }
}

std::vector<int> parse_ladder(const std::string& text) {
    std::vector<int> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        std::size_t used = 0;
        int value = 0;
        try {
            value = std::stoi(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != item.size() || value < 144 || value > 2160)
            throw std::invalid_argument("--ladder takes heights between 144 and 2160, e.g. 1080,720,360");
        out.push_back(value);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::vector<rung> plan_ladder(const std::vector<int>& nominals, int display_width, int display_height) {
    const bool portrait = display_height > display_width;
    const double aspect = double(display_width) / display_height;
    std::vector<int> sorted = nominals;
    std::sort(sorted.rbegin(), sorted.rend());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::vector<rung> ladder;
    for (int nominal : sorted) {
        // The rung's box, then the largest picture of the film's aspect inside it.
        const double box_long = nominal * 16.0 / 9.0, box_short = nominal;
        const double box_w = portrait ? box_short : box_long, box_h = portrait ? box_long : box_short;
        double w = box_w, h = box_w / aspect;
        if (h > box_h) {
            h = box_h;
            w = box_h * aspect;
        }
        rung r{nominal, even(w), even(h), 0};
        if (r.width > display_width || r.height > display_height) continue;  // never upscale
        if (!ladder.empty() && ladder.back().width == r.width) continue;
        double fill = (double(r.width) * r.height) / (box_w * box_h);
        if (fill > 0.97) fill = 1;  // a full box but for rounding
        r.video_kbps = static_cast<int>(nominal_kbps(nominal) * std::max(0.6, std::min(1.0, fill)));
        ladder.push_back(r);
    }
    if (ladder.empty()) {
        // A film smaller than every rung keeps its own size.
        const int w = even(display_width), h = even(display_height);
        const int nominal = std::min(w, h);
        ladder.push_back({nominal, w, h, nominal_kbps(nominal)});
    }
    return ladder;
}

}  // namespace festival::transcoder
