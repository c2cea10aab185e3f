#pragma once
// Opening a decoder for a stream of untrusted media: only the accepted decoders, for the film's
// pipeline and the curators' audio tracks alike.
#include "transcoder/av_handles.hpp"

namespace festival::transcoder {

// Throws media_error when the stream's codec has no accepted decoder.
codec_ptr open_decoder(const AVStream* stream);

}  // namespace festival::transcoder
