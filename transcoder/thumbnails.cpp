#include "transcoder/thumbnails.hpp"

#include <cmath>
#include <cstring>

extern "C" {
#include <libavutil/imgutils.h>
}

#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/hls_playlists.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/media/subtitles.hpp"

namespace festival::transcoder {
namespace {

int even(double v) { return std::max(2, static_cast<int>(std::lround(v / 2.0)) * 2); }

frame_ptr blank_picture(int width, int height) {
    auto f = make_frame();
    f->format = AV_PIX_FMT_YUVJ420P;
    f->width = width;
    f->height = height;
    check(av_frame_get_buffer(f.get(), 0), "allocating a picture");
    for (int y = 0; y < height; ++y) std::memset(f->data[0] + y * f->linesize[0], 0, width);
    for (int y = 0; y < height / 2; ++y) {
        std::memset(f->data[1] + y * f->linesize[1], 128, width / 2);
        std::memset(f->data[2] + y * f->linesize[2], 128, width / 2);
    }
    return f;
}

}  // namespace

thumbnail_maker::thumbnail_maker(double duration, int display_width, int display_height)
    : duration_(duration), display_width_(display_width), display_height_(display_height) {
    // About a hundred thumbnails at most, never closer than two seconds.
    interval_ = std::max(2.0, std::ceil(duration / 100.0));
    count_ = std::max(1, static_cast<int>(std::ceil(duration / interval_)));
    columns_ = std::min(10, count_);
    thumb_width_ = 160;
    thumb_height_ = even(160.0 * display_height / display_width);
    const int rows = (count_ + columns_ - 1) / columns_;
    sprite_ = blank_picture(thumb_width_ * columns_, thumb_height_ * rows);
}

void thumbnail_maker::draw_thumbnail(const AVFrame* frame, int index) {
    // sws_getCachedContext frees the old context when the picture format changes.
    scaler_.reset(sws_getCachedContext(scaler_.release(), frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
                                   thumb_width_, thumb_height_, AV_PIX_FMT_YUVJ420P, SWS_BILINEAR, nullptr, nullptr,
                                   nullptr));
    if (!scaler_) throw std::runtime_error("cannot scale a thumbnail");
    const int x = (index % columns_) * thumb_width_, y = (index / columns_) * thumb_height_;
    std::uint8_t* planes[4] = {sprite_->data[0] + y * sprite_->linesize[0] + x,
                               sprite_->data[1] + (y / 2) * sprite_->linesize[1] + x / 2,
                               sprite_->data[2] + (y / 2) * sprite_->linesize[2] + x / 2, nullptr};
    sws_scale(scaler_.get(), frame->data, frame->linesize, 0, frame->height, planes, sprite_->linesize);
}

void thumbnail_maker::offer(const AVFrame* frame, double seconds) {
    while (drawn_ < count_ && seconds + 1e-3 >= drawn_ * interval_) {
        // The picture nearest after each mark stands for the whole interval.
        if (seconds < (drawn_ + 1) * interval_) draw_thumbnail(frame, drawn_);
        ++drawn_;
    }
    if (!poster_source_ && seconds >= duration_ * 0.1) poster_source_.reset(av_frame_clone(frame));
    if (!poster_source_) last_.reset(av_frame_clone(frame));
}

void thumbnail_maker::write(const media::version_layout& folder) {
    const AVFrame* source = poster_source_ ? poster_source_.get() : last_.get();
    if (!source) throw std::runtime_error("no picture for a poster");
    int width = display_width_, height = display_height_;
    if (width > 1280) {
        height = even(1280.0 * height / width);
        width = 1280;
    }
    width = even(width);
    height = even(height);
    auto poster = blank_picture(width, height);
    sws_ptr scaler(sws_getContext(source->width, source->height, static_cast<AVPixelFormat>(source->format), width,
                                  height, AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, nullptr, nullptr, nullptr));
    if (!scaler) throw std::runtime_error("cannot scale the poster");
    sws_scale(scaler.get(), source->data, source->linesize, 0, source->height, poster->data, poster->linesize);
    write_jpeg(poster.get(), folder.poster());
    write_jpeg(sprite_.get(), folder.storyboard_image());

    std::string vtt = "WEBVTT\n\n";
    for (int i = 0; i < count_; ++i) {
        const double start = i * interval_, end = std::min(duration_, (i + 1) * interval_);
        if (end <= start) break;
        vtt += media::vtt_timestamp(start) + " --> " + media::vtt_timestamp(end) + "\n" + media::version_layout::storyboard_image_name + "#xywh=" +
               std::to_string((i % columns_) * thumb_width_) + "," + std::to_string((i / columns_) * thumb_height_) +
               "," + std::to_string(thumb_width_) + "," + std::to_string(thumb_height_) + "\n\n";
    }
    media::write_whole_file(folder.storyboard().string(), vtt);
}

void write_jpeg(const AVFrame* picture, const std::filesystem::path& path) {
    const AVCodec* mjpeg = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!mjpeg) throw std::runtime_error("no JPEG encoder");
    codec_ptr encoder = make_codec_context(mjpeg);
    encoder->width = picture->width;
    encoder->height = picture->height;
    encoder->pix_fmt = AV_PIX_FMT_YUVJ420P;
    encoder->time_base = {1, 25};
    encoder->flags |= AV_CODEC_FLAG_QSCALE;
    encoder->global_quality = FF_QP2LAMBDA * 4;
    check(avcodec_open2(encoder.get(), mjpeg, nullptr), "opening the JPEG encoder");
    auto frame = make_frame();
    check(av_frame_ref(frame.get(), picture), "referencing a picture");
    frame->quality = encoder->global_quality;
    frame->pts = 0;
    check(avcodec_send_frame(encoder.get(), frame.get()), "encoding a JPEG");
    check(avcodec_send_frame(encoder.get(), nullptr), "encoding a JPEG");
    auto packet = make_packet();
    check(avcodec_receive_packet(encoder.get(), packet.get()), "encoding a JPEG");
    media::write_whole_file(path.string(),
                            std::string_view(reinterpret_cast<const char*>(packet->data), static_cast<std::size_t>(packet->size)));
}

}  // namespace festival::transcoder
