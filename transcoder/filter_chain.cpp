#include "transcoder/filter_chain.hpp"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavutil/channel_layout.h>
}

namespace festival::transcoder {

std::string rational(AVRational r) { return std::to_string(r.num) + "/" + std::to_string(r.den); }

filter_chain::filter_chain(bool audio, const std::string& source_args, const std::string& chain, int threads) {
    graph.reset(avfilter_graph_alloc());
    if (!graph) throw std::bad_alloc();
    if (threads > 0) graph->nb_threads = threads;
    check(avfilter_graph_create_filter(&source, avfilter_get_by_name(audio ? "abuffer" : "buffer"), "in",
                                       source_args.c_str(), nullptr, graph.get()),
          "creating a filter source");
    check(avfilter_graph_create_filter(&sink, avfilter_get_by_name(audio ? "abuffersink" : "buffersink"), "out", nullptr,
                                       nullptr, graph.get()),
          "creating a filter sink");
    inout_ptr outputs(avfilter_inout_alloc()), inputs(avfilter_inout_alloc());
    if (!outputs || !inputs) throw std::bad_alloc();
    outputs->name = av_strdup("in");
    outputs->filter_ctx = source;
    inputs->name = av_strdup("out");
    inputs->filter_ctx = sink;
    if (!outputs->name || !inputs->name) throw std::bad_alloc();
    // avfilter_graph_parse_ptr consumes and replaces both lists: hand them over, then own what is left.
    AVFilterInOut* outputs_raw = outputs.release();
    AVFilterInOut* inputs_raw = inputs.release();
    const int parsed = avfilter_graph_parse_ptr(graph.get(), chain.c_str(), &inputs_raw, &outputs_raw, nullptr);
    outputs.reset(outputs_raw);
    inputs.reset(inputs_raw);
    check(parsed, "building filters " + chain);
    check(avfilter_graph_config(graph.get(), nullptr), "configuring filters " + chain);
}

std::string picture_source_args(int width, int height, int pixel_format, AVRational time_base, AVRational sample_aspect) {
    return "video_size=" + std::to_string(width) + "x" + std::to_string(height) +
           ":pix_fmt=" + std::to_string(pixel_format) + ":time_base=" + rational(time_base) +
           ":pixel_aspect=" + rational(sample_aspect);
}

bool drain_sink(filter_chain& chain, const std::function<void(AVFrame*)>& use) {
    auto frame = make_frame();
    for (;;) {
        const int rc = av_buffersink_get_frame(chain.sink, frame.get());
        if (rc == AVERROR(EAGAIN)) return false;
        if (rc == AVERROR_EOF) return true;
        check(rc, "filtering");
        use(frame.get());
        av_frame_unref(frame.get());
    }
}

std::string sound_source_args(const AVFrame* frame) {
    char layout[128] = {};
    AVChannelLayout channels{};
    if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) av_channel_layout_default(&channels, frame->ch_layout.nb_channels);
    else av_channel_layout_copy(&channels, &frame->ch_layout);
    av_channel_layout_describe(&channels, layout, sizeof layout);
    av_channel_layout_uninit(&channels);
    return "time_base=1/" + std::to_string(frame->sample_rate) + ":sample_rate=" + std::to_string(frame->sample_rate) +
           ":sample_fmt=" + av_get_sample_fmt_name(static_cast<AVSampleFormat>(frame->format)) + ":channel_layout=" + layout;
}

}  // namespace festival::transcoder
