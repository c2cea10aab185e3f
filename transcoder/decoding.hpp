#pragma once
// Opening a decoder for a stream of untrusted media: only the accepted decoders, for the film's
// pipeline and the curators' audio tracks alike.
#include <cstdint>

#include "transcoder/av_handles.hpp"

namespace festival::transcoder {

// Throws media_error when the stream's codec has no accepted decoder.
codec_ptr open_decoder(const AVStream* stream);

// Sets decoded sound's pts in 1/sample rate, counted from `start_us` (the input's first timestamp,
// so that outputs start at zero); false when the frame has no time or comes before the start.
bool rebase_sound_time(AVFrame* frame, const AVStream* stream, std::int64_t start_us);

}  // namespace festival::transcoder
