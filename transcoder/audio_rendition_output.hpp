#pragma once
// One audio rendition of a version: AAC packets written as fMP4 HLS in audio/<id>/ with the video's
// segment duration, so that its segments line up with the rungs'. Written on the caller's thread
// (sound is cheap next to the pictures).
#include <cstdint>
#include <filesystem>
#include <string>

#include "transcoder/av_handles.hpp"
#include "transcoder/media/hls_version.hpp"

namespace festival::transcoder {

class audio_rendition_output {
public:
    // `encoder` is the AAC encoder whose packets this rendition receives. Creates `folder`.
    audio_rendition_output(const std::filesystem::path& folder, const AVCodecContext* encoder, int segment_seconds);
    audio_rendition_output(const audio_rendition_output&) = delete;
    audio_rendition_output& operator=(const audio_rendition_output&) = delete;

    // A packet in the encoder's time base; the packet is left as it was.
    void write(const AVPacket* packet);
    // Ends the playlist.
    void finish();
    // No packet was written (a sound stream whose packets could not be decoded): no rendition.
    bool empty() const { return packets_ == 0; }
    // The manifest entry: `rendition` with its URI, BANDWIDTH and AVERAGE-BANDWIDTH measured on disk.
    media::hls_audio_rendition describe(media::hls_audio_rendition rendition) const;

private:
    std::filesystem::path folder_;
    output_ptr muxer_;
    AVStream* stream_ = nullptr;
    AVRational encoder_time_base_{1, 48000};
    packet_ptr scratch_ = make_packet();
    bool finished_ = false;
    std::int64_t packets_ = 0;
};

}  // namespace festival::transcoder
