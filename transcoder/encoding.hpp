#pragma once
// Encoder pieces the demo clip and the HLS ladder share.
#include <filesystem>
#include <functional>

#include "transcoder/av_handles.hpp"

namespace festival::transcoder {

// The festival's sound: AAC-LC, 48 kHz, stereo at 128 kb/s. `global_header` for containers that keep
// the decoder configuration out of band (MP4, fMP4 HLS). With a `layout` (5.1), that layout at
// `bit_rate`.
codec_ptr open_aac_encoder(bool global_header, const AVChannelLayout* layout = nullptr, int bit_rate = 128000);

// Sends `frame` (null flushes) to `encoder` and hands every packet it has ready to `use` (in the
// encoder's time base; `use` may keep a reference).
void encode_frame(AVCodecContext* encoder, const AVFrame* frame, const std::function<void(AVPacket*)>& use);

// Sends `frame` (null flushes) and writes every packet the encoder has ready to `stream` of `output`.
// `packet` is scratch space.
void encode_and_write(AVCodecContext* encoder, const AVFrame* frame, AVFormatContext* output, AVStream* stream,
                      AVPacket* packet);

// The HLS muxer's options every playlist of a version shares: fMP4 VOD, init.mp4 and
// segment_%05d.m4s in `folder`, `segment_seconds` long, independent segments.
dictionary_ptr hls_fmp4_options(const std::filesystem::path& folder, int segment_seconds);

}  // namespace festival::transcoder
