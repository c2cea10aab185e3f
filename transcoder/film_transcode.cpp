#include "transcoder/film_transcode.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include "transcoder/audio_rendition_output.hpp"
#include "transcoder/audio_tracks.hpp"
#include "transcoder/decoding.hpp"
#include "transcoder/encoding.hpp"
#include "transcoder/filter_chain.hpp"
#include "transcoder/media/durable_file.hpp"
#include "transcoder/media/hls_playlists.hpp"
#include "transcoder/media/hls_version.hpp"
#include "transcoder/media/media_layout.hpp"
#include "transcoder/media/subtitles.hpp"
#include "transcoder/thumbnails.hpp"

namespace festival::transcoder {
namespace {

namespace fs = std::filesystem;
using namespace festival::media;
using clock_type = std::chrono::steady_clock;

// x264 threads for one rung: the cores shared in proportion to the rung's pixels, at least one. A
// small rung on one thread skips frame threading's hand-offs, and the big one keeps every core busy.
int encoder_threads(const rung& r, const std::vector<rung>& ladder) {
    const double cores = std::max(1u, std::thread::hardware_concurrency());
    double largest = 0;
    for (const auto& other : ladder) largest = std::max(largest, double(other.width) * other.height);
    return std::max(1, static_cast<int>(std::lround(cores * r.width * r.height / largest)));
}

struct subtitle_decoder {
    codec_ptr decoder;
    std::string lang;
    AVRational time_base;
    std::vector<cue> cues;
};

struct subtitle_guard {
    AVSubtitle value{};
    ~subtitle_guard() { avsubtitle_free(&value); }
};

// The decoding thread's state: everything between the demuxer and the rungs' queues.
class film_pipeline {
public:
    film_pipeline(const transcode_options& options) : options_(options) {}

    transcode_summary run();

private:
    void open();
    void on_video_frame(AVFrame* frame);
    void on_audio_frame(AVFrame* frame);
    void drain_video(bool flush);
    void drain_audio(bool flush);
    void encode_audio(AVFrame* frame);
    void drain_surround(bool flush);
    void encode_surround(AVFrame* frame);
    void write_audio_renditions(hls_version& version, transcode_summary& summary);
    void send_all(const std::function<rung_work()>& make);
    void decode_subtitle(subtitle_decoder& s, AVPacket* packet);
    void report(double seconds, bool force);
    void write_subtitles(transcode_summary& summary);

    const transcode_options& options_;
    std::unique_ptr<AVIOContext, avio_closer> input_io_;  // a descriptor input's reader: outlives input_
    input_ptr input_;
    media_info info_;
    std::int64_t start_us_ = 0;  // the film's first timestamp, so outputs start at zero
    codec_ptr video_decoder_, audio_decoder_, audio_encoder_;
    std::unique_ptr<filter_chain> video_chain_, audio_chain_;
    // The film's own sound as renditions: the stereo the rungs carry, and 5.1 when the film has it.
    std::unique_ptr<audio_rendition_output> stereo_output_, surround_output_;
    codec_ptr surround_encoder_;
    std::unique_ptr<filter_chain> surround_chain_;
    std::string surround_layout_;
    std::map<int, subtitle_decoder> subtitle_decoders_;
    std::vector<std::unique_ptr<rung_output>> rungs_;
    std::unique_ptr<thumbnail_maker> thumbnails_;
    picture_format picture_;
    double next_keyframe_ = 0;
    std::int64_t last_video_pts_ = 0;  // in the video stream's time base
    std::int64_t frames_ = 0;
    clock_type::time_point started_ = clock_type::now(), last_report_{};
};

void film_pipeline::open() {
    if (options_.input_fd >= 0) {
        // The probe read the descriptor first: start again from its beginning.
        if (::lseek(options_.input_fd, 0, SEEK_SET) != 0) throw media_error("unreadable", "the film cannot be read");
        auto opened = open_media_input(options_.input_fd, options_.limits);
        input_io_ = std::move(opened.io);
        input_ = std::move(opened.context);
    } else {
        input_ = open_media_input(options_.input, options_.limits);
    }
    info_ = describe_media(input_.get(), options_.limits);
    if (input_->start_time != AV_NOPTS_VALUE) start_us_ = input_->start_time;
    video_decoder_ = open_decoder(input_->streams[info_.video_stream]);
    if (info_.audio_stream >= 0) {
        audio_decoder_ = open_decoder(input_->streams[info_.audio_stream]);
        audio_encoder_ = open_aac_encoder(true);  // fMP4 keeps its configuration in the init section
        const version_layout work(options_.work_dir);
        const int segment = options_.encoding.segment_seconds;
        stereo_output_ = std::make_unique<audio_rendition_output>(work.audio_rendition_dir("original"), audio_encoder_.get(), segment);
        if (info_.audio_channels >= 6) {
            // The film's own 5.1 layout when AAC has it, else 5.1 (side surrounds become back ones).
            AVChannelLayout layout{};
            const auto& source = input_->streams[info_.audio_stream]->codecpar->ch_layout;
            const AVCodec* aac = avcodec_find_encoder(AV_CODEC_ID_AAC);
            av_channel_layout_from_string(&layout, "5.1");
            for (const AVChannelLayout* l = aac ? aac->ch_layouts : nullptr; l && l->nb_channels; ++l)
                if (source.nb_channels == 6 && av_channel_layout_compare(l, &source) == 0) av_channel_layout_copy(&layout, &source);
            char name[64] = {};
            av_channel_layout_describe(&layout, name, sizeof name);
            surround_layout_ = name;
            surround_encoder_ = open_aac_encoder(true, &layout, 384000);
            av_channel_layout_uninit(&layout);
            surround_output_ = std::make_unique<audio_rendition_output>(work.audio_rendition_dir("original-51"),
                                                                        surround_encoder_.get(), segment);
        }
    }
    std::set<std::string> uploaded;
    for (const auto& s : options_.subtitles) uploaded.insert(normalize_language(s.lang));
    for (const auto& s : info_.subtitles) {
        const auto lang = normalize_language(s.lang.empty() ? "und" : s.lang);
        if (uploaded.count(lang)) continue;  // an uploaded file wins over the one inside the film
        subtitle_decoder d;
        try {
            d.decoder = open_decoder(input_->streams[s.index]);
        } catch (const std::exception&) {
            continue;
        }
        d.lang = lang;
        d.time_base = input_->streams[s.index]->time_base;
        subtitle_decoders_.emplace(s.index, std::move(d));
    }
    thumbnails_ = std::make_unique<thumbnail_maker>(info_.duration_seconds, info_.display_width, info_.display_height);
}

// The first picture fixes the shared format: deinterlaced when flagged, turned upright, at a
// constant frame rate. Then every rung gets its encoder and HLS writer.
void film_pipeline::on_video_frame(AVFrame* frame) {
    const AVStream* stream = input_->streams[info_.video_stream];
    frame->pts = frame->best_effort_timestamp;
    if (frame->pts == AV_NOPTS_VALUE) return;
    frame->pts -= av_rescale_q(start_us_, AV_TIME_BASE_Q, stream->time_base);
    if (frame->pts < 0) return;
    if (!video_chain_) {
        std::vector<std::string> steps;
        if (info_.interlaced || frame->interlaced_frame) steps.push_back("bwdif=mode=send_frame:deint=interlaced");
        // HDR (PQ or HLG) tone-mapped to SDR BT.709, so 8-bit players show sensible colours.
        const bool hdr = frame->color_trc == AVCOL_TRC_SMPTE2084 || frame->color_trc == AVCOL_TRC_ARIB_STD_B67;
        if (hdr && avfilter_get_by_name("zscale") && avfilter_get_by_name("tonemap")) {
            steps.push_back("zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,"
                            "zscale=t=bt709:m=bt709:r=tv,format=yuv420p");
            picture_.bt709 = true;
        }
        if (info_.rotation == 90) steps.push_back("transpose=clock");
        else if (info_.rotation == 180) steps.push_back("hflip,vflip");
        else if (info_.rotation == 270) steps.push_back("transpose=cclock");
        // Pictures at a constant rate: needed for a steady FRAME-RATE and equal GOPs.
        steps.push_back("fps=fps=" + rational(info_.frame_rate));
        std::string chain;
        for (const auto& s : steps) chain += (chain.empty() ? "" : ",") + s;
        AVRational sar = frame->sample_aspect_ratio.num > 0 ? frame->sample_aspect_ratio : info_.sample_aspect;
        const std::string args = picture_source_args(frame->width, frame->height, frame->format, stream->time_base, sar);
        video_chain_ = std::make_unique<filter_chain>(false, args, chain);
        picture_.width = av_buffersink_get_w(video_chain_->sink);
        picture_.height = av_buffersink_get_h(video_chain_->sink);
        picture_.pixel_format = static_cast<AVPixelFormat>(av_buffersink_get_format(video_chain_->sink));
        picture_.time_base = av_buffersink_get_time_base(video_chain_->sink);
        picture_.sample_aspect = av_buffersink_get_sample_aspect_ratio(video_chain_->sink);
        if (picture_.sample_aspect.num <= 0) picture_.sample_aspect = {1, 1};
        picture_.frame_rate = info_.frame_rate;
        const version_layout work(options_.work_dir);
        const auto ladder = plan_ladder(options_.ladder, info_.display_width, info_.display_height);
        for (const auto& r : ladder) {
            auto settings = options_.encoding;
            if (settings.threads <= 0) settings.threads = encoder_threads(r, ladder);
            // Video only: the sound is in audio/ (players switch renditions only when it is not muxed).
            rungs_.push_back(std::make_unique<rung_output>(r, picture_, settings, work.rung_dir(r.name())));
        }
        for (auto& r : rungs_) r->start();
    }
    last_video_pts_ = std::max(last_video_pts_, frame->pts);
    check(av_buffersrc_add_frame(video_chain_->source, frame), "filtering pictures");  // moves the picture in
    drain_video(false);
}

void film_pipeline::send_all(const std::function<rung_work()>& make) {
    for (auto& r : rungs_)
        if (!r->push(make())) {
            r->finish();  // throws the rung's error
            throw std::runtime_error("rung " + r->ladder_rung().name() + " stopped");
        }
}

void film_pipeline::drain_video(bool flush) {
    if (!video_chain_) return;
    // The end is one frame after the last picture, so the constant-rate step keeps that picture.
    if (flush) {
        const AVStream* stream = input_->streams[info_.video_stream];
        const auto end = last_video_pts_ + std::max<std::int64_t>(1, av_rescale_q(1, av_inv_q(info_.frame_rate), stream->time_base));
        check(av_buffersrc_close(video_chain_->source, end, 0), "flushing filters");
    }
    auto picture = make_frame();
    for (;;) {
        const int rc = av_buffersink_get_frame(video_chain_->sink, picture.get());
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
        check(rc, "filtering pictures");
        const double seconds = picture->pts * av_q2d(picture_.time_base);
        // An IDR at every segment boundary, the same picture in every rung.
        if (seconds + 1e-3 >= next_keyframe_) {
            picture->pict_type = AV_PICTURE_TYPE_I;
            next_keyframe_ = (std::floor(seconds / options_.encoding.segment_seconds + 1e-6) + 1) *
                             options_.encoding.segment_seconds;
        } else {
            picture->pict_type = AV_PICTURE_TYPE_NONE;
        }
        picture->key_frame = 0;
        thumbnails_->offer(picture.get(), seconds);
        send_all([&] { return rung_work{frame_ptr(av_frame_clone(picture.get())), false}; });
        av_frame_unref(picture.get());
        ++frames_;
        report(seconds, false);
    }
}

void film_pipeline::on_audio_frame(AVFrame* frame) {
    const AVStream* stream = input_->streams[info_.audio_stream];
    if (!audio_chain_) {
        const std::string args = sound_source_args(frame);
        // Stereo down-mix (5.1 with the standard matrix), 48 kHz, starting at zero like the pictures.
        audio_chain_ = std::make_unique<filter_chain>(
            true, args, "aresample=48000:async=1:first_pts=0,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo");
        av_buffersink_set_frame_size(audio_chain_->sink, audio_encoder_->frame_size);
        if (surround_encoder_) {
            surround_chain_ = std::make_unique<filter_chain>(
                true, args, "aresample=48000:async=1:first_pts=0,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=" +
                                surround_layout_);
            av_buffersink_set_frame_size(surround_chain_->sink, surround_encoder_->frame_size);
        }
    }
    if (!rebase_sound_time(frame, stream, start_us_)) return;
    if (surround_chain_) {
        // Same decoded samples, so no second read of the master.
        check(av_buffersrc_write_frame(surround_chain_->source, frame), "filtering sound");  // copies a reference
        drain_surround(false);
    }
    check(av_buffersrc_add_frame(audio_chain_->source, frame), "filtering sound");  // moves the samples in
    drain_audio(false);
}

// One chain's sound to its encoder: what the sink has ready and, at the end, the encoder's last packets.
void drain_sound(filter_chain* chain, bool flush, const std::function<void(AVFrame*)>& encode) {
    if (chain && flush) check(av_buffersrc_add_frame(chain->source, nullptr), "flushing sound");
    if (chain && !drain_sink(*chain, encode)) return;
    if (flush) encode(nullptr);
}

void film_pipeline::drain_surround(bool flush) {
    if (surround_encoder_) drain_sound(surround_chain_.get(), flush, [this](AVFrame* f) { encode_surround(f); });
}

void film_pipeline::encode_surround(AVFrame* frame) {
    encode_frame(surround_encoder_.get(), frame, [this](AVPacket* packet) { surround_output_->write(packet); });
}

void film_pipeline::encode_audio(AVFrame* frame) {
    encode_frame(audio_encoder_.get(), frame, [this](AVPacket* packet) { stereo_output_->write(packet); });
}

void film_pipeline::drain_audio(bool flush) {
    if (audio_encoder_) drain_sound(audio_chain_.get(), flush, [this](AVFrame* f) { encode_audio(f); });
}

void film_pipeline::decode_subtitle(subtitle_decoder& s, AVPacket* packet) {
    subtitle_guard subtitle;
    int got = 0;
    if (avcodec_decode_subtitle2(s.decoder.get(), &subtitle.value, &got, packet) < 0 || !got) return;
    if (packet->pts == AV_NOPTS_VALUE) return;
    const double base = packet->pts * av_q2d(s.time_base) - start_us_ / double(AV_TIME_BASE);
    const double start = base + subtitle.value.start_display_time / 1000.0;
    double end = subtitle.value.end_display_time > 0 && subtitle.value.end_display_time != UINT32_MAX
                     ? base + subtitle.value.end_display_time / 1000.0
                     : base + packet->duration * av_q2d(s.time_base);
    if (end <= start) end = start + 2;
    std::string text;
    for (unsigned i = 0; i < subtitle.value.num_rects; ++i) {
        const AVSubtitleRect* rect = subtitle.value.rects[i];
        std::string line = rect->ass ? ass_event_text(rect->ass) : rect->text ? rect->text : "";
        if (!line.empty()) text += (text.empty() ? "" : "\n") + line;
    }
    if (!text.empty() && start >= 0) s.cues.push_back({start, end, text});
}

void film_pipeline::report(double seconds, bool force) {
    const auto now = clock_type::now();
    if (!options_.on_progress || (!force && now - last_report_ < std::chrono::seconds(1))) return;
    last_report_ = now;
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    transcode_progress p;
    p.percent = std::min(100.0, std::max(0.0, 100.0 * seconds / info_.duration_seconds));
    p.fps = elapsed > 0 ? frames_ / elapsed : 0;
    if (seconds > 0 && elapsed > 0) p.eta_seconds = std::max(0.0, (info_.duration_seconds - seconds) * elapsed / seconds);
    options_.on_progress(p);
}

void film_pipeline::write_subtitles(transcode_summary& summary) {
    std::map<std::string, std::vector<cue>> by_language;
    for (const auto& s : options_.subtitles) {
        try {
            by_language[normalize_language(s.lang)] = s.text ? parse_subtitle_text(*s.text) : read_subtitle_file(s.path);
        } catch (const std::exception& e) {
            throw media_error("bad_subtitles", "subtitles " + s.lang + ": " + e.what());
        }
    }
    for (auto& [index, d] : subtitle_decoders_) {
        if (d.cues.empty() || by_language.count(d.lang)) continue;
        std::stable_sort(d.cues.begin(), d.cues.end(), [](const cue& a, const cue& b) { return a.start < b.start; });
        by_language[d.lang] = d.cues;
    }
    if (by_language.empty()) return;
    const version_layout folder(options_.work_dir);
    fs::create_directories(folder.subtitles_dir());
    for (const auto& [lang, cues] : by_language) {
        write_whole_file(folder.subtitle_file(lang).string(), webvtt_document(cues));
        write_whole_file(folder.subtitle_playlist(lang).string(),
                        subtitle_media_playlist(version_layout::subtitle_file_name(lang), info_.duration_seconds));
        summary.subtitle_languages.push_back(lang);
    }
}

transcode_summary film_pipeline::run() {
    open();
    auto packet = make_packet();
    auto frame = make_frame();
    auto receive = [&](AVCodecContext* decoder, bool video) {
        for (;;) {
            const int rc = avcodec_receive_frame(decoder, frame.get());
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            check(rc, "decoding");
            if (video) on_video_frame(frame.get());
            else on_audio_frame(frame.get());
            av_frame_unref(frame.get());
        }
    };
    for (;;) {
        const int rc = av_read_frame(input_.get(), packet.get());
        if (rc == AVERROR_EOF) break;
        if (rc < 0) throw media_error("truncated", "the film cannot be read to its end: " + av_error_text(rc));
        const int index = packet->stream_index;
        if (index == info_.video_stream || (audio_decoder_ && index == info_.audio_stream)) {
            const bool video = index == info_.video_stream;
            AVCodecContext* decoder = video ? video_decoder_.get() : audio_decoder_.get();
            const int sent = avcodec_send_packet(decoder, packet.get());
            // A damaged packet costs a few pictures, not the film.
            if (sent < 0 && sent != AVERROR(EAGAIN) && sent != AVERROR_INVALIDDATA) check(sent, "decoding");
            receive(decoder, video);
        } else if (auto s = subtitle_decoders_.find(index); s != subtitle_decoders_.end()) {
            decode_subtitle(s->second, packet.get());
        }
        av_packet_unref(packet.get());
    }
    // The decoders give back the pictures and sound they still hold.
    auto flush = [&](AVCodecContext* decoder, bool video) {
        const int rc = avcodec_send_packet(decoder, nullptr);
        if (rc < 0 && rc != AVERROR_EOF) check(rc, "flushing a decoder");
        receive(decoder, video);
    };
    flush(video_decoder_.get(), true);
    if (audio_decoder_) flush(audio_decoder_.get(), false);
    if (rungs_.empty()) throw media_error("no_video", "no picture of the film could be decoded");
    drain_video(true);
    drain_audio(true);
    drain_surround(true);
    send_all([] { return rung_work{nullptr, true}; });
    for (auto& r : rungs_) r->finish();

    transcode_summary summary;
    summary.source = info_;
    hls_version version;
    version.duration_seconds = info_.duration_seconds;
    version.sound_in_rungs = false;
    for (auto& r : rungs_) {
        summary.rungs.push_back(r->ladder_rung());
        const auto stats = measure_media_playlist(r->playlist().string());
        version.variants.push_back({version_layout::rung_playlist_uri(r->ladder_rung().name()), stats.peak_bits_per_second,
                                    stats.average_bits_per_second, r->ladder_rung().width, r->ladder_rung().height,
                                    r->codecs(), av_q2d(picture_.frame_rate)});
    }
    write_subtitles(summary);
    write_audio_renditions(version, summary);
    version.subtitle_languages = summary.subtitle_languages;  // sorted: by_language is a map
    const version_layout folder(options_.work_dir);
    thumbnails_->write(folder);
    write_version(folder, version);
    report(info_.duration_seconds, true);
    return summary;
}

void film_pipeline::write_audio_renditions(hls_version& version, transcode_summary& summary) {
    const std::string language = info_.audio_language.empty() ? "und" : normalize_language(info_.audio_language);
    auto own_sound = [&](audio_rendition_output& output, const std::string& role, int channels) {
        output.finish();
        if (output.empty()) return;  // the rungs are silent too
        hls_audio_rendition r;
        r.id = role;
        r.name = audio_rendition_name(role, language);
        r.language = language;
        r.role = role;
        r.channels = channels;
        version.audio_renditions.push_back(output.describe(std::move(r)));
    };
    if (stereo_output_) own_sound(*stereo_output_, "original", 2);
    if (surround_output_) own_sound(*surround_output_, "original-51", 6);
    const version_layout folder(options_.work_dir);
    for (auto& r : encode_audio_tracks(options_.audio_tracks, info_.duration_seconds, folder,
                                       options_.encoding.segment_seconds, options_.limits))
        version.audio_renditions.push_back(std::move(r));
    for (const auto& r : version.audio_renditions) summary.audio_renditions.push_back(r.id);
}

// libav's HLS muxer does not always pass a write error on (a segment it could not write is just
// missing), so after a failure the disk itself says whether it was full.
bool disk_full(const fs::path& dir, const std::string& error) {
    if (error.find("No space left on device") != std::string::npos) return true;
    struct statvfs info {};
    if (::statvfs(dir.c_str(), &info) != 0) return false;
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize < (16ULL << 20);
}

}  // namespace

nlohmann::json transcode_summary::to_json() const {
    auto ladder = nlohmann::json::array();
    for (const auto& r : rungs)
        ladder.push_back({{"name", r.name()}, {"width", r.width}, {"height", r.height}, {"video_kbps", r.video_kbps}});
    return {{"source", media_info_to_json(source)}, {"rungs", ladder}, {"subtitles", subtitle_languages},
            {"audio", audio_renditions}};
}

transcode_summary transcode_film(const transcode_options& options) {
    // Refuse a non-film before creating anything.
    const auto probed = options.input_fd >= 0 ? probe_media(options.input_fd, options.limits)
                                              : probe_media(options.input, options.limits);
    if (options.on_probed) options.on_probed(probed);
    if (fs::exists(options.work_dir) && !fs::is_empty(options.work_dir))
        throw std::runtime_error(options.work_dir.string() + " already exists");
    fs::create_directories(options.work_dir);
    try {
        film_pipeline pipeline(options);
        return pipeline.run();
    } catch (const std::exception& e) {
        // Retrying at once would fill the disk again: fail for good with a reason an operator acts on.
        if (!dynamic_cast<const media_error*>(&e) && disk_full(options.work_dir, e.what()))
            throw media_error("insufficient_storage", std::string("the disk for media is full: ") + e.what());
        throw;
    }
}

transcode_summary transcode_and_publish(transcode_options options, const fs::path& final_dir) {
    if (fs::exists(final_dir)) throw std::runtime_error(final_dir.string() + " already exists");
    fs::path absolute = fs::absolute(final_dir).lexically_normal();
    if (absolute.filename().empty()) absolute = absolute.parent_path();  // "out/" names "out"
    fs::create_directories(absolute.parent_path());
    // Hidden beside the final folder (same file system, so the publishing rename is atomic).
    std::string work_name = ".";
    work_name += absolute.filename().string();
    work_name += ".tmp-";
    work_name += std::to_string(::getpid());
    options.work_dir = absolute.parent_path() / work_name;
    std::error_code ignored;
    fs::remove_all(options.work_dir, ignored);
    try {
        auto summary = transcode_film(options);
        fs::rename(options.work_dir, absolute);
        return summary;
    } catch (...) {
        fs::remove_all(options.work_dir, ignored);
        throw;
    }
}

}  // namespace festival::transcoder
