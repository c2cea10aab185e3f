#pragma once
// Opening untrusted media safely and describing it: only whitelisted container formats, decoders and
// the `file` protocol (a playlist or concat file cannot make us read other files), limits on duration,
// dimensions and streams, and a clear code when the file is not a film we can screen.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "transcoder/av_handles.hpp"

namespace festival::transcoder {

struct media_limits {
    double max_duration_seconds = 6 * 3600;
    int max_dimension = 8192;
    int max_streams = 64;
};

struct subtitle_stream {
    int index = -1;
    std::string lang;  // ISO 639 as tagged in the file; may be empty
    std::string codec;
};

struct media_info {
    std::string format;
    double duration_seconds = 0;
    int video_stream = -1;
    int width = 0, height = 0;             // coded picture
    AVRational sample_aspect{1, 1};        // of one pixel
    int rotation = 0;                      // clockwise degrees to turn for display: 0, 90, 180, 270
    int display_width = 0, display_height = 0;  // square pixels, after rotation
    std::string video_codec;
    std::string pixel_format;
    int bit_depth = 8;
    AVRational frame_rate{0, 1};           // average
    bool variable_frame_rate = false;
    bool interlaced = false;
    int audio_stream = -1;
    int audio_channels = 0;
    std::string audio_codec;
    std::string audio_language;  // ISO 639 as tagged in the file; empty when untagged or "und"
    std::vector<subtitle_stream> subtitles;  // text subtitle streams we can convert
};

// Why a file cannot become a film; `code` goes to the job's error and the API.
class media_error : public std::runtime_error {
public:
    media_error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
    const std::string& code() const noexcept { return code_; }

private:
    std::string code_;
};

// The decoders a festival film's streams may need (libavcodec decoder names): every decoder is a
// parser of hostile bytes, so the ones nobody submits films in stay closed.
extern const char* const accepted_decoders;
bool is_accepted_decoder(const AVCodec* decoder);

// What a file is opened as: a film (video containers only) or a curator's audio track (the video
// containers and the usual sound files: WAV, FLAC, MP3, Ogg, ADTS AAC).
enum class media_kind { film, audio_track };

// Opens `path` with the whitelists and reads stream information. Throws media_error.
input_ptr open_media_input(const std::string& path, const media_limits& limits = {}, media_kind kind = media_kind::film);

struct avio_closer {
    void operator()(AVIOContext* p) const noexcept {
        av_freep(&p->buffer);
        avio_context_free(&p);
    }
};
// An input read through a descriptor opened beforehand (the probe opens its file, then gives up its
// privileges); the demuxer can open no other file. The caller keeps the descriptor open.
struct descriptor_input {
    std::unique_ptr<AVIOContext, avio_closer> io;  // declared first: it outlives the context
    input_ptr context;
};
descriptor_input open_media_input(int fd, const media_limits& limits = {}, media_kind kind = media_kind::film);

// Closes a descriptor when it goes out of scope.
struct descriptor_guard {
    explicit descriptor_guard(int descriptor) : fd(descriptor) {}
    ~descriptor_guard();
    descriptor_guard(const descriptor_guard&) = delete;
    descriptor_guard& operator=(const descriptor_guard&) = delete;
    int fd;
};
// Describes an opened input; throws media_error when it has no usable video or breaks a limit.
media_info describe_media(AVFormatContext* input, const media_limits& limits = {});
// Both, plus a check that the end of the file is there. The input is closed afterwards.
media_info probe_media(const std::string& path, const media_limits& limits = {});
media_info probe_media(int fd, const media_limits& limits = {});
// An audio track: exactly one decodable audio stream (any video is ignored), a duration, its end
// readable. The answer has the film probe's shape, the picture fields empty. Throws media_error.
media_info describe_audio_track(AVFormatContext* input, const media_limits& limits = {});
media_info probe_audio_track(int fd, const media_limits& limits = {});

nlohmann::json media_info_to_json(const media_info& info);

}  // namespace festival::transcoder
