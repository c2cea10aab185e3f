#include "transcoder/audio_rendition_output.hpp"

#include "transcoder/encoding.hpp"
#include "transcoder/media/hls_playlists.hpp"
#include "transcoder/media/media_layout.hpp"

namespace festival::transcoder {

audio_rendition_output::audio_rendition_output(const std::filesystem::path& folder, const AVCodecContext* encoder,
                                               int segment_seconds)
    : folder_(folder), encoder_time_base_(encoder->time_base) {
    std::filesystem::create_directories(folder_);
    const std::string playlist = (folder_ / media::version_layout::rung_playlist_name).string();
    AVFormatContext* raw = nullptr;
    check(avformat_alloc_output_context2(&raw, nullptr, "hls", playlist.c_str()), "creating an audio HLS writer");
    muxer_.reset(raw);
    stream_ = avformat_new_stream(muxer_.get(), nullptr);
    if (!stream_) throw std::bad_alloc();
    check(avcodec_parameters_from_context(stream_->codecpar, encoder), "audio rendition parameters");
    stream_->time_base = encoder->time_base;
    auto options = hls_fmp4_options(folder_, segment_seconds);
    AVDictionary* raw_options = options.release();
    const int header = avformat_write_header(muxer_.get(), &raw_options);
    options.reset(raw_options);
    check(header, "starting an audio HLS writer");
}

void audio_rendition_output::write(const AVPacket* packet) {
    check(av_packet_ref(scratch_.get(), packet), "copying a sound packet");
    av_packet_rescale_ts(scratch_.get(), encoder_time_base_, stream_->time_base);
    scratch_->stream_index = stream_->index;
    check(av_interleaved_write_frame(muxer_.get(), scratch_.get()), "writing an audio segment");  // takes the reference
    ++packets_;
}

void audio_rendition_output::finish() {
    if (finished_) return;
    finished_ = true;
    check(av_write_trailer(muxer_.get()), "finishing an audio playlist");
}

media::hls_audio_rendition audio_rendition_output::describe(media::hls_audio_rendition rendition) const {
    const auto stats = media::measure_media_playlist((folder_ / media::version_layout::rung_playlist_name).string());
    rendition.uri = media::version_layout::audio_playlist_uri(rendition.id);
    rendition.bandwidth = stats.peak_bits_per_second;
    rendition.average_bandwidth = stats.average_bits_per_second;
    rendition.codecs = "mp4a.40.2";
    return rendition;
}

}  // namespace festival::transcoder
