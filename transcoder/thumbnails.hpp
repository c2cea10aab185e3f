#pragma once
// The poster (a frame at about a tenth of the film) and the storyboard for seek previews: one sprite
// JPEG of small thumbnails at a regular interval plus a WebVTT file mapping times to #xywh regions.
#include <filesystem>

#include "transcoder/av_handles.hpp"
#include "transcoder/media/media_layout.hpp"

namespace festival::transcoder {

class thumbnail_maker {
public:
    thumbnail_maker(double duration_seconds, int display_width, int display_height);
    // Offers each decoded picture (display orientation) with its time; keeps only what it needs.
    void offer(const AVFrame* frame, double seconds);
    // Writes poster.jpg, storyboard.jpg and storyboard.vtt into `folder`.
    void write(const media::version_layout& folder);

private:
    void draw_thumbnail(const AVFrame* frame, int index);

    double duration_;
    int display_width_, display_height_;
    double interval_;
    int count_, columns_, thumb_width_, thumb_height_;
    int drawn_ = 0;
    frame_ptr poster_source_;
    frame_ptr last_;
    frame_ptr sprite_;
    sws_ptr scaler_;
};

// Encodes one YUVJ420P picture as a JPEG file.
void write_jpeg(const AVFrame* picture, const std::filesystem::path& path);

}  // namespace festival::transcoder
