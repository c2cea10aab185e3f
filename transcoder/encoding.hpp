#pragma once
// Encoder pieces the demo clip and the HLS ladder share.
#include "transcoder/av_handles.hpp"

namespace festival::transcoder {

// The festival's sound: AAC-LC, 48 kHz, stereo at 128 kb/s. `global_header` for containers that keep
// the decoder configuration out of band (MP4, fMP4 HLS). With a `layout` (5.1), that layout at
// `bit_rate`.
codec_ptr open_aac_encoder(bool global_header, const AVChannelLayout* layout = nullptr, int bit_rate = 128000);

// Sends `frame` (null flushes) and writes every packet the encoder has ready to `stream` of `output`.
// `packet` is scratch space.
void encode_and_write(AVCodecContext* encoder, const AVFrame* frame, AVFormatContext* output, AVStream* stream,
                      AVPacket* packet);

}  // namespace festival::transcoder
