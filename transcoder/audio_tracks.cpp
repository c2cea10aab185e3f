#include "transcoder/audio_tracks.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
}

#include "transcoder/audio_rendition_output.hpp"
#include "transcoder/decoding.hpp"
#include "transcoder/encoding.hpp"
#include "transcoder/filter_chain.hpp"
#include "transcoder/media/subtitles.hpp"

namespace festival::transcoder {
namespace {

constexpr int sample_rate = 48000;

std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", seconds);
    return text;
}

// One track through decoder, aligning filters, encoder and rendition writer.
class track_encoder {
public:
    track_encoder(const audio_track_file& track, double film_seconds, const std::filesystem::path& folder,
                  int segment_seconds, const media_limits& limits)
        : film_samples_(static_cast<std::int64_t>(std::llround(film_seconds * sample_rate))) {
        if (track.fd >= 0) {
            if (::lseek(track.fd, 0, SEEK_SET) != 0) throw media_error("unreadable", "the track cannot be read");
            auto opened = open_media_input(track.fd, limits, media_kind::audio_track);
            input_io_ = std::move(opened.io);
            input_ = std::move(opened.context);
        } else {
            input_ = open_media_input(track.path, limits, media_kind::audio_track);
        }
        info_ = describe_audio_track(input_.get(), limits);
        if (const auto refusal = alignment_refusal(info_.duration_seconds, film_seconds))
            throw media_error("audio_misaligned", *refusal);
        if (input_->start_time != AV_NOPTS_VALUE) start_us_ = input_->start_time;
        decoder_ = open_decoder(input_->streams[info_.audio_stream]);
        encoder_ = open_aac_encoder(true);
        output_ = std::make_unique<audio_rendition_output>(folder, encoder_.get(), segment_seconds);
    }

    void run() {
        auto packet = make_packet();
        auto frame = make_frame();
        auto receive = [&] {
            for (;;) {
                const int rc = avcodec_receive_frame(decoder_.get(), frame.get());
                if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
                check(rc, "decoding the track");
                on_frame(frame.get());
                av_frame_unref(frame.get());
            }
        };
        for (;;) {
            const int rc = av_read_frame(input_.get(), packet.get());
            if (rc == AVERROR_EOF) break;
            if (rc < 0) throw media_error("truncated", "the track cannot be read to its end: " + av_error_text(rc));
            if (packet->stream_index == info_.audio_stream) {
                const int sent = avcodec_send_packet(decoder_.get(), packet.get());
                if (sent < 0 && sent != AVERROR(EAGAIN) && sent != AVERROR_INVALIDDATA) check(sent, "decoding the track");
                receive();
            }
            av_packet_unref(packet.get());
        }
        const int flushed = avcodec_send_packet(decoder_.get(), nullptr);
        if (flushed < 0 && flushed != AVERROR_EOF) check(flushed, "flushing the track's decoder");
        receive();
        if (!chain_) throw media_error("bad_audio_track", "no sound of the track could be decoded");
        check(av_buffersrc_add_frame(chain_->source, nullptr), "flushing the track's filters");
        drain();
        encode(nullptr);
        output_->finish();
    }

    media::hls_audio_rendition describe(media::hls_audio_rendition r) const { return output_->describe(std::move(r)); }

private:
    void on_frame(AVFrame* frame) {
        const AVStream* stream = input_->streams[info_.audio_stream];
        if (!chain_) {
            // 48 kHz stereo from the track's first sample, then exactly the film's length: cut when
            // longer, silence after it when shorter.
            const auto samples = std::to_string(film_samples_);
            chain_ = std::make_unique<filter_chain>(
                true, sound_source_args(frame),
                "aresample=48000:async=1:first_pts=0,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,"
                "atrim=end_sample=" + samples + ",apad=whole_len=" + samples);
            av_buffersink_set_frame_size(chain_->sink, encoder_->frame_size);
        }
        if (!rebase_sound_time(frame, stream, start_us_)) return;
        check(av_buffersrc_add_frame(chain_->source, frame), "filtering the track");
        drain();
    }

    void drain() {
        drain_sink(*chain_, [this](AVFrame* samples) { encode(samples); });
    }

    void encode(const AVFrame* samples) {
        encode_frame(encoder_.get(), samples, [this](AVPacket* packet) { output_->write(packet); });
    }

    std::int64_t film_samples_;
    std::unique_ptr<AVIOContext, avio_closer> input_io_;  // outlives input_
    input_ptr input_;
    media_info info_;
    std::int64_t start_us_ = 0;
    codec_ptr decoder_, encoder_;
    std::unique_ptr<filter_chain> chain_;
    std::unique_ptr<audio_rendition_output> output_;
};

}  // namespace

std::optional<std::string> alignment_refusal(double track_seconds, double film_seconds) {
    const double tolerance = std::max(2.0, film_seconds * 0.01);
    const double difference = track_seconds - film_seconds;
    if (std::abs(difference) <= tolerance) return std::nullopt;
    return "the track lasts " + seconds_text(track_seconds) + " and the film " + seconds_text(film_seconds) +
           ": a track must be aligned to the film (at most " + seconds_text(tolerance) + " apart)";
}

std::vector<media::hls_audio_rendition> encode_audio_tracks(const std::vector<audio_track_file>& tracks,
                                                            double film_seconds, const media::version_layout& folder,
                                                            int segment_seconds, const media_limits& limits) {
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& t : tracks) keys.emplace_back(t.role, media::normalize_language(t.lang));
    const auto ids = media::audio_track_ids(keys);
    std::vector<media::hls_audio_rendition> renditions;
    std::set<std::string> names;
    for (std::size_t i = 0; i < tracks.size(); ++i) {
        const auto& t = tracks[i];
        const auto& language = keys[i].second;
        if (language.empty() || language.size() > 35 ||
            language.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
            throw media_error("bad_audio_track", "audio track " + std::to_string(i + 1) + ": \"" + t.lang + "\" is not a language tag");
        if (t.role != "description" && t.role != "dub")
            throw media_error("bad_audio_track", "audio track " + std::to_string(i + 1) + ": its role is description or dub");
        const bool usable_name = !t.name.empty() && t.name.size() <= 100 && t.name.find_first_of("\"\r\n") == std::string::npos;
        std::string name = usable_name ? t.name : media::audio_rendition_name(t.role, language);
        // NAMEs are unique within the group (RFC 8216 4.3.4.1.1).
        for (int n = 2; names.count(name); ++n) name = (usable_name ? t.name : media::audio_rendition_name(t.role, language)) + " " + std::to_string(n);
        names.insert(name);
        try {
            track_encoder encoder(t, film_seconds, folder.audio_rendition_dir(ids[i]), segment_seconds, limits);
            encoder.run();
            media::hls_audio_rendition r;
            r.id = ids[i];
            r.name = name;
            r.language = language;
            r.role = t.role;
            renditions.push_back(encoder.describe(std::move(r)));
        } catch (const media_error& e) {
            throw media_error(e.code(), "audio track " + ids[i] + ": " + e.what());
        }
    }
    return renditions;
}

}  // namespace festival::transcoder
