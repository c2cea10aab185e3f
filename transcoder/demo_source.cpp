#include "transcoder/demo_source.hpp"

#include <filesystem>

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavutil/opt.h>
}

#include "transcoder/av_handles.hpp"
#include "transcoder/encoding.hpp"

namespace festival::transcoder {
namespace {

const char* font_file() {
    for (const char* candidate : {"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                                  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"})
        if (std::filesystem::exists(candidate)) return candidate;
    return nullptr;
}

AVFilterContext* add_filter(AVFilterGraph* graph, const char* name, const char* label, const char* args) {
    const AVFilter* filter = avfilter_get_by_name(name);
    if (!filter) throw std::runtime_error(std::string("libavfilter lacks ") + name);
    AVFilterContext* context = nullptr;
    check(avfilter_graph_create_filter(&context, filter, label, args, nullptr, graph), name);
    return context;
}

// drawtext with its text set as an option value, so no character of a film title needs escaping.
AVFilterContext* add_text(AVFilterGraph* graph, const char* label, const std::string& text, const char* expansion,
                          const std::string& size, const char* y) {
    const AVFilter* filter = avfilter_get_by_name("drawtext");
    const char* font = font_file();
    if (!filter || !font) return nullptr;
    AVFilterContext* context = avfilter_graph_alloc_filter(graph, filter, label);
    if (!context) throw std::bad_alloc();
    av_opt_set(context, "fontfile", font, AV_OPT_SEARCH_CHILDREN);
    av_opt_set(context, "text", text.c_str(), AV_OPT_SEARCH_CHILDREN);
    av_opt_set(context, "expansion", expansion, AV_OPT_SEARCH_CHILDREN);
    av_opt_set(context, "fontsize", size.c_str(), AV_OPT_SEARCH_CHILDREN);
    av_opt_set(context, "fontcolor", "white", AV_OPT_SEARCH_CHILDREN);
    av_opt_set(context, "box", "1", AV_OPT_SEARCH_CHILDREN);
    av_opt_set(context, "boxcolor", "black@0.6", AV_OPT_SEARCH_CHILDREN);
    av_opt_set(context, "boxborderw", "12", AV_OPT_SEARCH_CHILDREN);
    av_opt_set(context, "x", "(w-text_w)/2", AV_OPT_SEARCH_CHILDREN);
    av_opt_set(context, "y", y, AV_OPT_SEARCH_CHILDREN);
    check(avfilter_init_str(context, nullptr), "drawtext");
    return context;
}

}  // namespace

void make_demo_source(const demo_source_options& o) {
    if (o.seconds <= 0 || o.width < 16 || o.height < 16 || o.width % 2 || o.height % 2)
        throw std::invalid_argument("demo-source needs --seconds > 0 and even --width/--height of at least 16");
    graph_ptr graph(avfilter_graph_alloc());
    if (!graph) throw std::bad_alloc();
    const std::string size = std::to_string(o.width) + "x" + std::to_string(o.height);
    const std::string video_args = "size=" + size + ":rate=" + std::to_string(o.frame_rate) +
                                   ":duration=" + std::to_string(o.seconds);
    AVFilterContext* last = add_filter(graph.get(), "testsrc2", "pattern", video_args.c_str());
    const std::string big = std::to_string(std::max(12, o.height / 12)), small = std::to_string(std::max(10, o.height / 18));
    if (!o.label.empty())
        if (auto* title = add_text(graph.get(), "title", o.label, "none", big, "h*0.38")) {
            check(avfilter_link(last, 0, title, 0), "linking");
            last = title;
        }
    if (auto* clock = add_text(graph.get(), "clock", "%{pts:hms}", "normal", small, "h*0.58")) {
        check(avfilter_link(last, 0, clock, 0), "linking");
        last = clock;
    }
    AVFilterContext* format = add_filter(graph.get(), "format", "format", "pix_fmts=yuv420p");
    AVFilterContext* video_sink = add_filter(graph.get(), "buffersink", "video_out", nullptr);
    check(avfilter_link(last, 0, format, 0), "linking");
    check(avfilter_link(format, 0, video_sink, 0), "linking");
    AVFilterContext* audio_sink = nullptr;
    if (o.audio) {
        const std::string tone = "frequency=440:beep_factor=2:sample_rate=48000:duration=" + std::to_string(o.seconds);
        AVFilterContext* sine = add_filter(graph.get(), "sine", "tone", tone.c_str());
        AVFilterContext* aformat = add_filter(graph.get(), "aformat", "stereo", "sample_fmts=fltp:channel_layouts=stereo");
        audio_sink = add_filter(graph.get(), "abuffersink", "audio_out", nullptr);
        check(avfilter_link(sine, 0, aformat, 0), "linking");
        check(avfilter_link(aformat, 0, audio_sink, 0), "linking");
    }
    check(avfilter_graph_config(graph.get(), nullptr), "configuring the test pattern");

    AVFormatContext* raw_output = nullptr;
    check(avformat_alloc_output_context2(&raw_output, nullptr, "mp4", o.output.c_str()), "creating the clip");
    output_ptr output(raw_output);

    const AVCodec* h264 = avcodec_find_encoder_by_name("libx264");
    if (!h264) throw std::runtime_error("libx264 is not available");
    codec_ptr video = make_codec_context(h264);
    video->width = o.width;
    video->height = o.height;
    video->pix_fmt = AV_PIX_FMT_YUV420P;
    video->time_base = av_buffersink_get_time_base(video_sink);
    video->framerate = {o.frame_rate, 1};
    video->gop_size = o.frame_rate * 2;
    if (output->oformat->flags & AVFMT_GLOBALHEADER) video->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_opt_set(video->priv_data, "preset", o.preset.c_str(), 0);
    av_opt_set(video->priv_data, "crf", "20", 0);
    check(avcodec_open2(video.get(), h264, nullptr), "opening the H.264 encoder");
    AVStream* video_stream = avformat_new_stream(output.get(), nullptr);
    check(avcodec_parameters_from_context(video_stream->codecpar, video.get()), "video parameters");
    video_stream->time_base = video->time_base;

    codec_ptr audio;
    AVStream* audio_stream = nullptr;
    if (audio_sink) {
        audio = open_aac_encoder(output->oformat->flags & AVFMT_GLOBALHEADER);
        av_buffersink_set_frame_size(audio_sink, audio->frame_size);
        audio_stream = avformat_new_stream(output.get(), nullptr);
        check(avcodec_parameters_from_context(audio_stream->codecpar, audio.get()), "audio parameters");
        audio_stream->time_base = audio->time_base;
    }
    check(avio_open(&output->pb, o.output.c_str(), AVIO_FLAG_WRITE), "opening the clip file");
    check(avformat_write_header(output.get(), nullptr), "writing the clip header");

    auto frame = make_frame();
    auto packet = make_packet();
    // Pull from both sinks, audio never running ahead of video by more than a frame.
    bool video_done = false, audio_done = !audio_sink;
    std::int64_t video_pts_us = 0, audio_pts_us = 0;
    while (!video_done || !audio_done) {
        const bool take_audio = !audio_done && (video_done || audio_pts_us <= video_pts_us);
        AVFilterContext* sink = take_audio ? audio_sink : video_sink;
        const int rc = av_buffersink_get_frame(sink, frame.get());
        if (rc == AVERROR_EOF) {
            if (take_audio) {
                encode_and_write(audio.get(), nullptr, output.get(), audio_stream, packet.get());
                audio_done = true;
            } else {
                encode_and_write(video.get(), nullptr, output.get(), video_stream, packet.get());
                video_done = true;
            }
            continue;
        }
        check(rc, "generating the clip");
        const auto pts_us = av_rescale_q(frame->pts, av_buffersink_get_time_base(sink), {1, 1000000});
        if (take_audio) {
            audio_pts_us = pts_us;
            encode_and_write(audio.get(), frame.get(), output.get(), audio_stream, packet.get());
        } else {
            video_pts_us = pts_us;
            frame->pict_type = AV_PICTURE_TYPE_NONE;
            encode_and_write(video.get(), frame.get(), output.get(), video_stream, packet.get());
        }
        av_frame_unref(frame.get());
    }
    check(av_write_trailer(output.get()), "finishing the clip");
}

}  // namespace festival::transcoder
