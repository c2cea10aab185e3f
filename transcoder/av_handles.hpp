#pragma once
// One owner per libav handle: unique_ptrs with stateless deleters, and libav errors as text.
#include <memory>
#include <stdexcept>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

namespace festival::transcoder {

struct input_closer {
    void operator()(AVFormatContext* p) const noexcept { avformat_close_input(&p); }
};
using input_ptr = std::unique_ptr<AVFormatContext, input_closer>;

// An output context also owns its pb unless the format opens no file.
struct output_closer {
    void operator()(AVFormatContext* p) const noexcept {
        if (p->pb && !(p->oformat->flags & AVFMT_NOFILE)) avio_closep(&p->pb);
        avformat_free_context(p);
    }
};
using output_ptr = std::unique_ptr<AVFormatContext, output_closer>;

struct codec_closer {
    void operator()(AVCodecContext* p) const noexcept { avcodec_free_context(&p); }
};
using codec_ptr = std::unique_ptr<AVCodecContext, codec_closer>;

struct frame_closer {
    void operator()(AVFrame* p) const noexcept { av_frame_free(&p); }
};
using frame_ptr = std::unique_ptr<AVFrame, frame_closer>;

struct packet_closer {
    void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
};
using packet_ptr = std::unique_ptr<AVPacket, packet_closer>;

struct graph_closer {
    void operator()(AVFilterGraph* p) const noexcept { avfilter_graph_free(&p); }
};
using graph_ptr = std::unique_ptr<AVFilterGraph, graph_closer>;

struct inout_closer {
    void operator()(AVFilterInOut* p) const noexcept { avfilter_inout_free(&p); }
};
using inout_ptr = std::unique_ptr<AVFilterInOut, inout_closer>;

struct sws_closer {
    void operator()(SwsContext* p) const noexcept { sws_freeContext(p); }
};
using sws_ptr = std::unique_ptr<SwsContext, sws_closer>;

struct dictionary_closer {
    void operator()(AVDictionary* p) const noexcept { av_dict_free(&p); }
};

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

std::string av_error_text(int code);

// A libav call failed: what we were doing plus libav's reason.
class av_failure : public std::runtime_error {
public:
    av_failure(const std::string& what, int code) : std::runtime_error(what + ": " + av_error_text(code)), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

// Throws av_failure when `code` is negative; returns it otherwise.
inline int check(int code, const std::string& what) {
    if (code < 0) throw av_failure(what, code);
    return code;
}

// Sends libav's messages to our stderr as one JSON line each, at warning level and above
// (info with `verbose`).
void route_av_log(bool verbose);

}  // namespace festival::transcoder
