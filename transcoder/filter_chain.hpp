#pragma once
// A filter chain given as text between a buffer source and a buffer sink.
#include <functional>
#include <string>

#include "transcoder/av_handles.hpp"

namespace festival::transcoder {

struct filter_chain {
    graph_ptr graph;
    AVFilterContext* source = nullptr;
    AVFilterContext* sink = nullptr;

    // `threads` 0 lets libavfilter choose.
    filter_chain(bool audio, const std::string& source_args, const std::string& chain, int threads = 0);
};

// Hands every frame the chain's sink has ready to `use` (which may keep a reference); true once the
// sink has given its last frame, false when it waits for more input.
bool drain_sink(filter_chain& chain, const std::function<void(AVFrame*)>& use);

// A rational as filter arguments spell it: "num/den" (a time base, a pixel aspect, a frame rate).
std::string rational(AVRational r);

// The "buffer" source's arguments for pictures of this size, pixel format, time base and pixel aspect.
std::string picture_source_args(int width, int height, int pixel_format, AVRational time_base, AVRational sample_aspect);

// The "abuffer" source's arguments for sound like `frame` (an unknown channel order taken as the
// default layout of its channel count), in the time base 1/sample rate.
std::string sound_source_args(const AVFrame* frame);

}  // namespace festival::transcoder
