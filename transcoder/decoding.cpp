#include "transcoder/decoding.hpp"

#include <algorithm>
#include <string>
#include <thread>

#include "transcoder/media_probe.hpp"

namespace festival::transcoder {

codec_ptr open_decoder(const AVStream* stream) {
    const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
    if (!codec) throw media_error("unsupported_codec", "no decoder for a stream of this film");
    if (!is_accepted_decoder(codec)) throw media_error("unsupported_codec", std::string("no accepted decoder for ") + codec->name);
    codec_ptr decoder = make_codec_context(codec);
    check(avcodec_parameters_to_context(decoder.get(), stream->codecpar), "decoder parameters");
    decoder->pkt_timebase = stream->time_base;
    // The rungs' encoders keep the cores busy; decoding is a small share of the work, so frame
    // threads would mostly add hand-offs (measured: one thread is faster on 2 cores).
    decoder->thread_count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 4));
    // libav refuses itself, too, to open a decoder the whitelist does not name.
    AVDictionary* raw_options = nullptr;
    av_dict_set(&raw_options, "codec_whitelist", accepted_decoders, 0);
    dictionary_ptr options(raw_options);
    raw_options = options.release();
    const int opened = avcodec_open2(decoder.get(), codec, &raw_options);
    options.reset(raw_options);
    check(opened, "opening a decoder");
    return decoder;
}

bool rebase_sound_time(AVFrame* frame, const AVStream* stream, std::int64_t start_us) {
    std::int64_t pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) return false;
    pts -= av_rescale_q(start_us, AV_TIME_BASE_Q, stream->time_base);
    frame->pts = av_rescale_q(pts, stream->time_base, {1, frame->sample_rate});
    return frame->pts >= 0;
}

}  // namespace festival::transcoder
