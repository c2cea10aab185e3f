#include "transcoder/media_probe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cmath>
#include <filesystem>
#include <set>

extern "C" {
#include <libavutil/avstring.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

namespace festival::transcoder {

const char* const accepted_decoders =
    // Pictures (libdav1d is Debian's AV1 decoder)
    "h264,hevc,vp9,vp8,libdav1d,av1,mpeg4,prores,dnxhd,mpeg2video,mpeg1video,"
    // Sound
    "aac,aac_fixed,mp3,mp3float,opus,libopus,vorbis,ac3,ac3_fixed,eac3,flac,"
    "pcm_s16le,pcm_s16be,pcm_s24le,pcm_s24be,pcm_s32le,pcm_s32be,pcm_f32le,pcm_f32be,pcm_f64le,pcm_f64be,"
    "pcm_u8,pcm_s8,pcm_alaw,pcm_mulaw,pcm_s24daud,"
    // Text subtitles
    "subrip,srt,ass,ssa,webvtt,mov_text,text";

bool is_accepted_decoder(const AVCodec* decoder) {
    return decoder && av_match_list(decoder->name, accepted_decoders, ',') > 0;
}

descriptor_guard::~descriptor_guard() {
    if (fd >= 0) ::close(fd);
}

namespace {

// Container formats a festival film may come in (libavformat demuxer names).
constexpr const char* format_whitelist = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mxf";
// And those of a curator's audio track: the same, and the sound files studios deliver.
constexpr const char* audio_format_whitelist = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mxf,wav,w64,flac,mp3,ogg,aac";

// The whitelists every input is opened with: the formats above, and only the file protocol.
dictionary_ptr input_options(media_kind kind) {
    AVDictionary* raw = nullptr;
    av_dict_set(&raw, "format_whitelist", kind == media_kind::film ? format_whitelist : audio_format_whitelist, 0);
    av_dict_set(&raw, "protocol_whitelist", "file", 0);
    av_dict_set(&raw, "codec_whitelist", accepted_decoders, 0);  // decoders opened to find stream info
    av_dict_set(&raw, "enable_drefs", "0", 0);                    // mov: no references to other files
    return dictionary_ptr(raw);
}

// The first bytes of the file, for explaining a refusal.
int read_head(int fd, unsigned char* buffer, int size) {
    int got = 0;
    while (got < size) {
        const ssize_t n = ::pread(fd, buffer + got, static_cast<std::size_t>(size - got), got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<int>(n);
    }
    return got;
}

// What a file that no whitelisted demuxer accepts looks like, to explain the refusal.
[[noreturn]] void refuse_unknown(int fd, int open_error, media_kind kind) {
    std::array<unsigned char, 4096 + AVPROBE_PADDING_SIZE> buffer{};
    const int size = read_head(fd, buffer.data(), 4096);
    if (size == 0) throw media_error("not_a_film", "the file is empty");
    const std::string head(reinterpret_cast<const char*>(buffer.data()), static_cast<std::size_t>(size));
    // A recognised film container whose index cannot be read: cut short during upload or copy.
    const bool iso_media = size >= 8 && (head.substr(4, 4) == "ftyp" || head.substr(4, 4) == "mdat" ||
                                         head.substr(4, 4) == "moov" || head.substr(4, 4) == "free");
    const bool ebml = size >= 4 && head.substr(0, 4) == "\x1A\x45\xDF\xA3";
    if (iso_media || ebml)
        throw media_error("truncated", "the film file is incomplete or damaged (" + av_error_text(open_error) + ")");
    AVProbeData probe{};
    probe.filename = "";  // judge by content only
    probe.buf = buffer.data();
    probe.buf_size = size;
    const AVInputFormat* guess = av_probe_input_format(&probe, 1);
    const std::string name = guess ? guess->name : "";
    static const std::set<std::string> playlists = {"hls", "concat", "ffconcat", "ffmetadata", "dash", "sdp", "rtsp"};
    static const std::set<std::string> audio = {"mp3", "wav", "flac", "ogg", "aac", "ac3", "eac3", "w64", "aiff",
                                                "amr", "ape", "wv", "opus", "dts", "caf", "au", "tta"};
    if (playlists.count(name) || head.rfind("#EXTM3U", 0) == 0 || head.rfind("ffconcat", 0) == 0)
        throw media_error("playlist_not_allowed",
                          "the file is a playlist (" + (name.empty() ? std::string("m3u") : name) +
                              ") that points at other files; upload the film itself");
    if (kind == media_kind::audio_track)
        throw media_error("not_audio", name.empty() ? "the file is not a sound file we accept"
                                                    : "the file is " + name + ", not a sound file we accept");
    if (audio.count(name)) throw media_error("no_video", "the file is audio only (" + name + "), not a film");
    if (name.ends_with("_pipe") || name == "image2" || name == "gif")
        throw media_error("not_a_film", "the file is an image (" + name + "), not a film");
    throw media_error("not_a_film", name.empty() ? "the file is not a video container we accept"
                                                 : "the file is " + name + ", not a video container we accept");
}

int clockwise_rotation(const AVStream* stream) {
    const auto* matrix =
        reinterpret_cast<const int32_t*>(av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr));
    if (!matrix) return 0;
    const double counter_clockwise = av_display_rotation_get(matrix);
    if (std::isnan(counter_clockwise)) return 0;
    int degrees = static_cast<int>(std::lround(-counter_clockwise / 90.0)) * 90;
    degrees %= 360;
    if (degrees < 0) degrees += 360;
    return degrees;
}

int even(double value) { return std::max(2, static_cast<int>(std::lround(value / 2.0)) * 2); }

std::string language_of(const AVStream* stream) {
    const auto* tag = av_dict_get(stream->metadata, "language", nullptr, 0);
    return tag && std::string(tag->value) != "und" ? tag->value : "";
}

// The container's name, once its stream count is known to be within the limit.
media_info described_container(const AVFormatContext* input, const media_limits& limits) {
    if (input->nb_streams > static_cast<unsigned>(limits.max_streams))
        throw media_error("too_many_streams", "the file has " + std::to_string(input->nb_streams) + " streams");
    media_info m;
    m.format = input->iformat->name;
    return m;
}

// The duration the container states, else `stream`'s; throws when there is none or it is over the limit.
double stated_duration(const AVFormatContext* input, const AVStream* stream, const media_limits& limits, const char* what) {
    double seconds = 0;
    if (input->duration != AV_NOPTS_VALUE && input->duration > 0) seconds = input->duration / double(AV_TIME_BASE);
    else if (stream->duration != AV_NOPTS_VALUE && stream->duration > 0) seconds = stream->duration * av_q2d(stream->time_base);
    if (seconds <= 0) throw media_error("truncated", std::string("the ") + what + "'s duration cannot be read");
    if (seconds > limits.max_duration_seconds)
        throw media_error("too_long", std::string("the ") + what + " lasts " + std::to_string(std::llround(std::min(seconds, 1e15))) +
                                          " s, more than " + std::to_string(std::llround(limits.max_duration_seconds)) + " s");
    return seconds;
}

}  // namespace

namespace {

// Checks what can be checked before the decoders run, then reads stream information.
void check_opened_input(AVFormatContext* input, const media_limits& limits) {
    for (unsigned i = 0; i < input->nb_streams; ++i) {
        const auto* par = input->streams[i]->codecpar;
        if (par->codec_type == AVMEDIA_TYPE_VIDEO &&
            (par->width > limits.max_dimension || par->height > limits.max_dimension))
            throw media_error("too_large", "the picture is " + std::to_string(par->width) + "x" +
                                               std::to_string(par->height) + ", more than " +
                                               std::to_string(limits.max_dimension) + " pixels wide or high");
    }
    const int info = avformat_find_stream_info(input, nullptr);
    if (info < 0) throw media_error("truncated", "the file's streams cannot be read: " + av_error_text(info));
}

AVFormatContext* allocate_input(const media_limits& limits) {
    AVFormatContext* raw = avformat_alloc_context();
    if (!raw) throw std::bad_alloc();
    raw->max_streams = limits.max_streams;
    return raw;
}

int read_descriptor(void* opaque, std::uint8_t* buffer, int size) {
    const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(opaque));
    while (true) {
        const ssize_t n = ::read(fd, buffer, static_cast<std::size_t>(size));
        if (n > 0) return static_cast<int>(n);
        if (n == 0) return AVERROR_EOF;
        if (errno != EINTR) return AVERROR(errno);
    }
}

std::int64_t seek_descriptor(void* opaque, std::int64_t offset, int whence) {
    const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(opaque));
    if (whence & AVSEEK_SIZE) {
        struct stat facts {};
        return ::fstat(fd, &facts) == 0 ? facts.st_size : AVERROR(errno);
    }
    const off_t at = ::lseek(fd, offset, whence & ~AVSEEK_FORCE);
    return at < 0 ? AVERROR(errno) : at;
}

// A demuxer asking for another file (a reference, a playlist entry): never from a descriptor input.
int refuse_other_files(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) { return AVERROR(EPERM); }

}  // namespace

input_ptr open_media_input(const std::string& path, const media_limits& limits, media_kind kind) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw media_error("unreadable", "no such file: " + path);
    auto options = input_options(kind);
    AVFormatContext* raw = allocate_input(limits);
    // "file:" so that a name like "concat:a|b" is never taken for a protocol.
    const std::string url = "file:" + path;
    AVDictionary* raw_options = options.release();
    const int rc = avformat_open_input(&raw, url.c_str(), nullptr, &raw_options);
    options.reset(raw_options);
    if (rc < 0) {  // raw was freed by libav
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw media_error("unreadable", "cannot read " + path);
        descriptor_guard guard{fd};
        refuse_unknown(fd, rc, kind);
    }
    input_ptr input(raw);
    check_opened_input(input.get(), limits);
    return input;
}

descriptor_input open_media_input(int fd, const media_limits& limits, media_kind kind) {
    struct stat facts {};
    if (::fstat(fd, &facts) != 0 || !S_ISREG(facts.st_mode)) throw media_error("unreadable", "not a regular file");
    constexpr int buffer_size = 64 * 1024;
    auto* buffer = static_cast<unsigned char*>(av_malloc(buffer_size));
    if (!buffer) throw std::bad_alloc();
    descriptor_input result;
    result.io.reset(avio_alloc_context(buffer, buffer_size, 0, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)),
                                       read_descriptor, nullptr, seek_descriptor));
    if (!result.io) {
        av_free(buffer);
        throw std::bad_alloc();
    }
    auto options = input_options(kind);
    AVFormatContext* raw = allocate_input(limits);
    raw->pb = result.io.get();
    raw->io_open = refuse_other_files;
    AVDictionary* raw_options = options.release();
    const int rc = avformat_open_input(&raw, "", nullptr, &raw_options);
    options.reset(raw_options);
    if (rc < 0) refuse_unknown(fd, rc, kind);  // raw was freed by libav, the AVIOContext is still ours
    result.context.reset(raw);
    check_opened_input(raw, limits);
    return result;
}

media_info describe_media(AVFormatContext* input, const media_limits& limits) {
    media_info m = described_container(input, limits);
    m.video_stream = av_find_best_stream(input, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    // A cover image inside an audio file is not a film.
    if (m.video_stream >= 0 && (input->streams[m.video_stream]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        m.video_stream = -1;
    if (m.video_stream < 0) throw media_error("no_video", "the file has no video, only sound or data");
    const AVStream* video = input->streams[m.video_stream];
    const auto* par = video->codecpar;
    const AVCodec* decoder = avcodec_find_decoder(par->codec_id);
    if (!decoder) throw media_error("unsupported_codec", "the video codec cannot be decoded");
    if (!is_accepted_decoder(decoder))
        throw media_error("unsupported_codec", std::string("the video codec ") + decoder->name +
                                                   " is not one a festival accepts");
    m.video_codec = decoder->name;
    if (par->width <= 0 || par->height <= 0 || par->format < 0)
        throw media_error("truncated", "the video stream has no readable pictures");
    if (par->width < 16 || par->height < 16) throw media_error("too_small", "the picture is smaller than 16x16");
    if (par->width > limits.max_dimension || par->height > limits.max_dimension)
        throw media_error("too_large", "the picture is " + std::to_string(par->width) + "x" + std::to_string(par->height));
    m.width = par->width;
    m.height = par->height;
    const auto* pix = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(par->format));
    m.pixel_format = pix ? pix->name : "unknown";
    m.bit_depth = pix ? pix->comp[0].depth : 8;
    m.sample_aspect = av_guess_sample_aspect_ratio(input, const_cast<AVStream*>(video), nullptr);
    if (m.sample_aspect.num <= 0 || m.sample_aspect.den <= 0) m.sample_aspect = {1, 1};
    m.rotation = clockwise_rotation(video);
    const double sar = av_q2d(m.sample_aspect);
    int w = m.width, h = m.height;
    if (sar > 1) w = even(m.width * sar);
    else if (sar < 1) h = even(m.height / sar);
    else { w = even(w); h = even(h); }
    if (m.rotation == 90 || m.rotation == 270) std::swap(w, h);
    m.display_width = w;
    m.display_height = h;
    // The average rate of an MP4 is often slightly off (edit lists, B-frame delay); the container's
    // base rate is the true one when they are close. Far apart means variable frame rate.
    const AVRational avg = video->avg_frame_rate, base = video->r_frame_rate;
    const bool avg_ok = avg.num > 0 && avg.den > 0, base_ok = base.num > 0 && base.den > 0 && av_q2d(base) <= 120;
    if (base_ok && (!avg_ok || std::abs(av_q2d(avg) / av_q2d(base) - 1) < 0.02)) m.frame_rate = base;
    else if (avg_ok) m.frame_rate = avg;
    else m.frame_rate = {25, 1};
    if (av_q2d(m.frame_rate) > 120 || av_q2d(m.frame_rate) < 1) m.frame_rate = {25, 1};
    m.variable_frame_rate = avg_ok && base_ok && std::abs(av_q2d(avg) / av_q2d(base) - 1) >= 0.02;
    m.interlaced = par->field_order != AV_FIELD_PROGRESSIVE && par->field_order != AV_FIELD_UNKNOWN;

    m.duration_seconds = stated_duration(input, video, limits, "film");

    m.audio_stream = av_find_best_stream(input, AVMEDIA_TYPE_AUDIO, -1, m.video_stream, nullptr, 0);
    if (m.audio_stream >= 0) {
        const auto* apar = input->streams[m.audio_stream]->codecpar;
        const AVCodec* audio_decoder = avcodec_find_decoder(apar->codec_id);
        if (is_accepted_decoder(audio_decoder) && apar->ch_layout.nb_channels > 0) {
            m.audio_codec = audio_decoder->name;
            m.audio_channels = apar->ch_layout.nb_channels;
            m.audio_language = language_of(input->streams[m.audio_stream]);
        } else {
            m.audio_stream = -1;  // undecodable sound: the film plays silent rather than not at all
        }
    }
    for (unsigned i = 0; i < input->nb_streams; ++i) {
        const AVStream* s = input->streams[i];
        if (s->codecpar->codec_type != AVMEDIA_TYPE_SUBTITLE) continue;
        const auto* descriptor = avcodec_descriptor_get(s->codecpar->codec_id);
        if (!descriptor || !(descriptor->props & AV_CODEC_PROP_TEXT_SUB)) continue;  // bitmaps need OCR
        if (!is_accepted_decoder(avcodec_find_decoder(s->codecpar->codec_id))) continue;
        m.subtitles.push_back({static_cast<int>(i), language_of(s), descriptor->name});
    }
    return m;
}

media_info probe_media(const std::string& path, const media_limits& limits) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw media_error("unreadable", "no such file: " + path);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw media_error("unreadable", "cannot read " + path);
    descriptor_guard guard{fd};
    return probe_media(fd, limits);
}

namespace {

// The index may promise more than the file holds (cut during upload or copy), and the packets of
// the last seconds of `stream` must be readable.
void check_end_readable(AVFormatContext* input, int fd, int stream_index, double duration_seconds, const char* what) {
    const std::string cut = std::string("the end of the ") + what + " is missing: the file was cut short";
    struct stat facts {};
    if (::fstat(fd, &facts) != 0) throw media_error("unreadable", "the file cannot be read");
    const auto file_size = static_cast<std::int64_t>(facts.st_size);
    AVStream* stream = input->streams[stream_index];
    if (const int entries = avformat_index_get_entries_count(stream); entries > 0) {
        const AVIndexEntry* last = avformat_index_get_entry(stream, entries - 1);
        if (last && last->pos + last->size > file_size) throw media_error("truncated", cut);
    }
    const double tail = std::max(0.0, duration_seconds - 1.5);
    const auto target = static_cast<std::int64_t>(tail * AV_TIME_BASE);
    if (av_seek_frame(input, -1, target, AVSEEK_FLAG_BACKWARD) >= 0) {
        auto packet = make_packet();
        const double start = input->start_time != AV_NOPTS_VALUE ? input->start_time / double(AV_TIME_BASE) : 0.0;
        bool reached = false;
        for (int reads = 0; reads < 20000 && !reached; ++reads) {
            if (av_read_frame(input, packet.get()) < 0) break;
            if (packet->stream_index == stream_index && !(packet->flags & AV_PKT_FLAG_CORRUPT) &&
                !(packet->pos >= 0 && packet->pos + packet->size > file_size)) {
                const auto ts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
                if (ts != AV_NOPTS_VALUE && ts * av_q2d(stream->time_base) - start >= tail - 1.0) reached = true;
            }
            av_packet_unref(packet.get());
        }
        if (!reached) throw media_error("truncated", cut);
    }
}

}  // namespace

media_info probe_media(int fd, const media_limits& limits) {
    auto opened = open_media_input(fd, limits);
    auto info = describe_media(opened.context.get(), limits);
    check_end_readable(opened.context.get(), fd, info.video_stream, info.duration_seconds, "film");
    return info;
}

media_info describe_audio_track(AVFormatContext* input, const media_limits& limits) {
    media_info m = described_container(input, limits);
    int audio_streams = 0;
    for (unsigned i = 0; i < input->nb_streams; ++i) {
        if (input->streams[i]->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
        ++audio_streams;
        m.audio_stream = static_cast<int>(i);
    }
    // Which of several sounds is the track would be a guess: the curator uploads the one they mean.
    if (audio_streams != 1)
        throw media_error("not_audio", audio_streams == 0 ? "the file has no sound"
                                                          : "the file has " + std::to_string(audio_streams) +
                                                                " sound streams; upload one track per file");
    const AVStream* audio = input->streams[m.audio_stream];
    const AVCodec* decoder = avcodec_find_decoder(audio->codecpar->codec_id);
    if (!decoder) throw media_error("unsupported_codec", "the sound codec cannot be decoded");
    if (!is_accepted_decoder(decoder))
        throw media_error("unsupported_codec", std::string("the sound codec ") + decoder->name + " is not one a festival accepts");
    if (audio->codecpar->ch_layout.nb_channels <= 0 || audio->codecpar->sample_rate <= 0)
        throw media_error("truncated", "the sound stream has no readable samples");
    m.audio_codec = decoder->name;
    m.audio_channels = audio->codecpar->ch_layout.nb_channels;
    m.audio_language = language_of(audio);
    m.duration_seconds = stated_duration(input, audio, limits, "track");
    return m;
}

media_info probe_audio_track(int fd, const media_limits& limits) {
    auto opened = open_media_input(fd, limits, media_kind::audio_track);
    auto info = describe_audio_track(opened.context.get(), limits);
    check_end_readable(opened.context.get(), fd, info.audio_stream, info.duration_seconds, "track");
    return info;
}

nlohmann::json media_info_to_json(const media_info& m) {
    auto subtitles = nlohmann::json::array();
    for (const auto& s : m.subtitles) subtitles.push_back({{"index", s.index}, {"lang", s.lang}, {"codec", s.codec}});
    return {{"format", m.format},
            {"duration_seconds", m.duration_seconds},
            {"width", m.width},
            {"height", m.height},
            {"display_width", m.display_width},
            {"display_height", m.display_height},
            {"rotation", m.rotation},
            {"sample_aspect_ratio", std::to_string(m.sample_aspect.num) + ":" + std::to_string(m.sample_aspect.den)},
            {"video_codec", m.video_codec},
            {"pixel_format", m.pixel_format},
            {"bit_depth", m.bit_depth},
            {"frame_rate", av_q2d(m.frame_rate)},
            {"variable_frame_rate", m.variable_frame_rate},
            {"interlaced", m.interlaced},
            {"audio_channels", m.audio_channels},
            {"audio_codec", m.audio_codec.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.audio_codec)},
            {"audio_language", m.audio_language.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.audio_language)},
            {"subtitle_streams", subtitles}};
}

}  // namespace festival::transcoder
