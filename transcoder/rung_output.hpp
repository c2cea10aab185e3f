#pragma once
// One rung of the ladder on its own thread: scales the shared decoded pictures to its size, encodes
// them with x264 (keyframes where the decoder thread marked segment boundaries) and writes video-only
// fMP4 HLS (every sound is an audio rendition of its own: audio_rendition_output).
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "transcoder/av_handles.hpp"
#include "transcoder/ladder.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/work_queue.hpp"

namespace festival::transcoder {

struct filter_chain;

// The pictures every rung receives.
struct picture_format {
    int width = 0, height = 0;
    AVPixelFormat pixel_format = AV_PIX_FMT_NONE;
    AVRational time_base{1, 25};
    AVRational sample_aspect{1, 1};
    AVRational frame_rate{25, 1};
    bool bt709 = false;  // converted to BT.709 (from HDR): tag the output as such
};

struct encoder_settings {
    std::string preset = "veryfast";
    int segment_seconds = 4;
    int threads = 0;  // x264 threads per rung; 0 = the cores shared by the rungs' pixels
};

class rung_output {
public:
    // Creates `folder`.
    rung_output(const rung& r, const picture_format& input, const encoder_settings& settings,
                const std::filesystem::path& folder);
    ~rung_output();
    rung_output(const rung_output&) = delete;
    rung_output& operator=(const rung_output&) = delete;

    void start();
    // Blocks while the rung is behind; false when it failed (see finish()).
    bool push(rung_work item) { return queue_.push(std::move(item)); }
    // Waits for the rung to finish writing; throws its error if it failed.
    void finish();

    const rung& ladder_rung() const { return rung_; }
    const std::string& codecs() const { return codecs_; }
    std::filesystem::path playlist() const { return folder_ / media::version_layout::rung_playlist_name; }

private:
    void run();

    rung rung_;
    std::filesystem::path folder_;
    std::unique_ptr<filter_chain> scaler_;
    codec_ptr encoder_;
    output_ptr muxer_;
    AVStream* video_stream_ = nullptr;
    std::string codecs_;
    work_queue queue_{8};
    std::thread thread_;
    std::string error_;
};

}  // namespace festival::transcoder
