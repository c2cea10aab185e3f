#include "transcoder/rung_output.hpp"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/opt.h>
}

#include "transcoder/encoding.hpp"
#include "transcoder/filter_chain.hpp"
#include "transcoder/media/hls_playlists.hpp"

namespace festival::transcoder {

rung_output::rung_output(const rung& r, const picture_format& in, const encoder_settings& settings,
                         const std::filesystem::path& folder)
    : rung_(r), folder_(folder) {
    std::filesystem::create_directories(folder_);

    // buffer -> scale to the rung (square pixels, 8-bit 4:2:0) -> buffersink, on this rung's thread only
    scaler_ = std::make_unique<filter_chain>(
        false, picture_source_args(in.width, in.height, in.pixel_format, in.time_base, in.sample_aspect),
        "scale=w=" + std::to_string(r.width) + ":h=" + std::to_string(r.height) +
            ":flags=bicubic:out_range=tv,format=pix_fmts=yuv420p,setsar=1",
        1);

    const std::string playlist_path = (folder_ / media::version_layout::rung_playlist_name).string();
    AVFormatContext* raw = nullptr;
    check(avformat_alloc_output_context2(&raw, nullptr, "hls", playlist_path.c_str()), "creating the HLS writer");
    muxer_.reset(raw);

    const AVCodec* h264 = avcodec_find_encoder_by_name("libx264");
    if (!h264) throw std::runtime_error("libx264 is not available");
    encoder_ = make_codec_context(h264);
    auto* e = encoder_.get();
    e->width = r.width;
    e->height = r.height;
    e->pix_fmt = AV_PIX_FMT_YUV420P;
    e->sample_aspect_ratio = {1, 1};
    e->time_base = in.time_base;
    e->framerate = in.frame_rate;
    e->bit_rate = static_cast<std::int64_t>(r.video_kbps) * 1000;
    e->rc_max_rate = e->bit_rate * 3 / 2;
    e->rc_buffer_size = static_cast<int>(e->bit_rate * 2);
    // One GOP per segment; the decoder thread also forces an IDR at each boundary, which keeps
    // the rungs aligned even when the frame rate varies.
    const int gop = std::max(1, static_cast<int>(std::lround(av_q2d(in.frame_rate) * settings.segment_seconds)));
    e->gop_size = gop;
    e->keyint_min = gop;
    // The film's pipeline shares the cores among the rungs (film_transcode.cpp); 0 lets x264 choose.
    e->thread_count = settings.threads;
    e->color_range = AVCOL_RANGE_MPEG;
    if (in.bt709) {
        e->color_primaries = AVCOL_PRI_BT709;
        e->color_trc = AVCOL_TRC_BT709;
        e->colorspace = AVCOL_SPC_BT709;
    }
    e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // fMP4 keeps SPS/PPS in the init section
    av_opt_set(e->priv_data, "preset", settings.preset.c_str(), 0);
    av_opt_set(e->priv_data, "profile", "high", 0);
    av_opt_set_int(e->priv_data, "sc_threshold", 0, 0);
    av_opt_set_int(e->priv_data, "forced-idr", 1, 0);
    av_opt_set(e->priv_data, "x264-params", "open-gop=0", 0);
    check(avcodec_open2(e, h264, nullptr), "opening the H.264 encoder");
    codecs_ = media::avc_codec_string(e->extradata, e->extradata_size);
    if (codecs_.empty()) codecs_ = "avc1.640028";

    video_stream_ = avformat_new_stream(muxer_.get(), nullptr);
    check(avcodec_parameters_from_context(video_stream_->codecpar, e), "video stream parameters");
    video_stream_->time_base = e->time_base;
    video_stream_->avg_frame_rate = in.frame_rate;

    auto options = hls_fmp4_options(folder_, settings.segment_seconds);
    AVDictionary* raw_options = options.release();
    const int header = avformat_write_header(muxer_.get(), &raw_options);
    options.reset(raw_options);
    check(header, "starting the HLS writer");
}

rung_output::~rung_output() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
}

void rung_output::start() {
    thread_ = std::thread([this] {
        try {
            run();
        } catch (const std::exception& e) {
            error_ = e.what();
        }
        if (!error_.empty()) queue_.close();  // unblocks the decoder thread, which then sees the failure
    });
}

void rung_output::finish() {
    if (thread_.joinable()) thread_.join();
    if (!error_.empty()) throw std::runtime_error("rung " + rung_.name() + ": " + error_);
}

void rung_output::run() {
    auto scaled = make_frame();
    auto packet = make_packet();
    auto encode = [&](const AVFrame* picture) {
        encode_and_write(encoder_.get(), picture, muxer_.get(), video_stream_, packet.get());
    };
    auto drain = [&] {
        for (;;) {
            const int rc = av_buffersink_get_frame(scaler_->sink, scaled.get());
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            check(rc, "scaling");
            encode(scaled.get());
            av_frame_unref(scaled.get());
        }
    };
    while (auto item = queue_.pop()) {
        if (item->end) {
            check(av_buffersrc_add_frame(scaler_->source, nullptr), "flushing the scaler");
            drain();
            encode(nullptr);
            check(av_write_trailer(muxer_.get()), "finishing the HLS playlist");
            return;
        }
        if (item->picture) {
            check(av_buffersrc_add_frame(scaler_->source, item->picture.get()), "scaling");
            drain();
        }
    }
    throw std::runtime_error("stopped before the end of the film");
}

}  // namespace festival::transcoder
