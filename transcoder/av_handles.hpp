#pragma once
// One owner per libav handle: unique_ptrs with stateless deleters, and libav errors as text.
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

namespace festival::transcoder {

// Most libav free functions take the handle's address and null it: one deleter serves them all.
template <typename T, void (*Free)(T**)>
struct address_freer {
    void operator()(T* p) const noexcept { Free(&p); }
};
template <typename T, void (*Free)(T**)>
using av_ptr = std::unique_ptr<T, address_freer<T, Free>>;

using input_ptr = av_ptr<AVFormatContext, avformat_close_input>;
using codec_ptr = av_ptr<AVCodecContext, avcodec_free_context>;
using frame_ptr = av_ptr<AVFrame, av_frame_free>;
using packet_ptr = av_ptr<AVPacket, av_packet_free>;
using graph_ptr = av_ptr<AVFilterGraph, avfilter_graph_free>;
using inout_ptr = av_ptr<AVFilterInOut, avfilter_inout_free>;
using dictionary_ptr = av_ptr<AVDictionary, av_dict_free>;

// An output context also owns its pb unless the format opens no file.
struct output_closer {
    void operator()(AVFormatContext* p) const noexcept {
        if (p->pb && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
        avformat_free_context(p);
    }
};
using output_ptr = std::unique_ptr<AVFormatContext, output_closer>;

struct sws_closer {
    void operator()(SwsContext* p) const noexcept { sws_freeContext(p); }
};
using sws_ptr = std::unique_ptr<SwsContext, sws_closer>;

inline frame_ptr make_frame() {
    frame_ptr f(av_frame_alloc());
    if (!f) throw std::bad_alloc();
    return f;
}
inline packet_ptr make_packet() {
    packet_ptr p(av_packet_alloc());
    if (!p) throw std::bad_alloc();
    return p;
}
// libav answers null only when memory runs out (or an rlimit says so, as in the sandbox).
inline codec_ptr make_codec_context(const AVCodec* codec) {
    codec_ptr c(avcodec_alloc_context3(codec));
    if (!c) throw std::bad_alloc();
    return c;
}

std::string av_error_text(int code);

// A libav call failed: what we were doing plus libav's reason.
class av_failure : public std::runtime_error {
public:
    av_failure(const std::string& what, int code) : std::runtime_error(what + ": " + av_error_text(code)), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

// Throws av_failure when `code` is negative; returns it otherwise. `what` is a view so that the
// per-picture calls build no string unless they fail.
inline int check(int code, std::string_view what) {
    if (code < 0) throw av_failure(std::string(what), code);
    return code;
}

// Sends libav's messages to our stderr as one JSON line each, at warning level and above
// (info with `verbose`).
void route_av_log(bool verbose);

}  // namespace festival::transcoder
