#include "transcoder/encoding.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace festival::transcoder {

codec_ptr open_aac_encoder(bool global_header, const AVChannelLayout* layout, int bit_rate) {
    const AVCodec* aac = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!aac) throw std::runtime_error("no AAC encoder");
    codec_ptr encoder = make_codec_context(aac);
    encoder->sample_rate = 48000;
    encoder->sample_fmt = AV_SAMPLE_FMT_FLTP;
    if (layout) check(av_channel_layout_copy(&encoder->ch_layout, layout), "an AAC channel layout");
    else av_channel_layout_default(&encoder->ch_layout, 2);
    encoder->bit_rate = bit_rate;
    encoder->profile = FF_PROFILE_AAC_LOW;
    encoder->time_base = {1, 48000};
    if (global_header) encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    check(avcodec_open2(encoder.get(), aac, nullptr), "opening the AAC encoder");
    return encoder;
}

void encode_frame(AVCodecContext* encoder, const AVFrame* frame, const std::function<void(AVPacket*)>& use) {
    check(avcodec_send_frame(encoder, frame), "encoding");
    auto packet = make_packet();
    for (;;) {
        const int rc = avcodec_receive_packet(encoder, packet.get());
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
        check(rc, "encoding");
        use(packet.get());
        av_packet_unref(packet.get());
    }
}

void encode_and_write(AVCodecContext* encoder, const AVFrame* frame, AVFormatContext* output, AVStream* stream,
                      AVPacket* packet) {
    check(avcodec_send_frame(encoder, frame), "encoding");
    for (;;) {
        const int rc = avcodec_receive_packet(encoder, packet);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
        check(rc, "encoding");
        av_packet_rescale_ts(packet, encoder->time_base, stream->time_base);
        packet->stream_index = stream->index;
        check(av_interleaved_write_frame(output, packet), "writing media");
    }
}

dictionary_ptr hls_fmp4_options(const std::filesystem::path& folder, int segment_seconds) {
    AVDictionary* raw = nullptr;
    av_dict_set(&raw, "hls_time", std::to_string(segment_seconds).c_str(), 0);
    av_dict_set(&raw, "hls_playlist_type", "vod", 0);
    av_dict_set(&raw, "hls_segment_type", "fmp4", 0);
    av_dict_set(&raw, "hls_fmp4_init_filename", "init.mp4", 0);
    av_dict_set(&raw, "hls_segment_filename", (folder / "segment_%05d.m4s").string().c_str(), 0);
    av_dict_set(&raw, "hls_flags", "independent_segments", 0);
    return dictionary_ptr(raw);
}

}  // namespace festival::transcoder
