#pragma once
// Subtitles as WebVTT: the one reader of SRT/WebVTT files (curators' uploads and the transcoder's
// files), the one writer of WebVTT tracks and the one language normalisation. A file gives the same
// track whichever path it takes: the server stores webvtt_document(parse_subtitle_text(file)), and
// reading that track again gives the same cues, so the transcoder writes it back byte for byte.
//
// What a track keeps (one rule for every path): the cues' times, WebVTT cue identifiers and settings,
// and the cue text with the markup WebVTT defines (<i> <b> <u> <c> <v> <lang> <ruby> <rt> and timestamp
// tags; <I> is written <i>). Markup WebVTT does not know goes, its words stay: SRT's <font …>, ASS
// override blocks such as {\an8}, any other tag. '&', '<' and '>' that are not markup are escaped. NOTE,
// STYLE and REGION blocks, the header's text, SRT cue numbers and cues without text or time go.
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace festival::transcoder {

struct cue {
    double start = 0, end = 0;  // seconds
    std::string text;           // UTF-8 lines separated by '\n'; markup as above, bare '&', '<' escaped on writing
    std::string id{};           // a WebVTT cue identifier; empty for SRT (its numbers are not kept)
    std::string settings{};     // WebVTT cue settings ("line:0 align:start"); empty for SRT
};

// Where the two kinds of caller really differ. A curator's upload is refused with the reason and the
// line at fault so that the curator can fix the file; files given to the transcoder (its command line,
// tracks the server already checked) are read as far as they can be.
struct subtitle_reading {
    bool windows_1252_fallback;   // bytes that are not UTF-8 are read as Windows-1252 (old SRT files)
    bool skip_unreadable_blocks;  // a block that is neither a cue nor a WebVTT NOTE/STYLE/REGION is skipped
};
inline constexpr subtitle_reading curator_upload{false, false};
inline constexpr subtitle_reading transcoder_file{true, true};

// Why a file cannot be read; code() is the API's error code: subtitles_not_utf8, subtitles_not_text,
// subtitles_malformed or subtitles_empty.
class subtitle_error : public std::runtime_error {
public:
    subtitle_error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
    const std::string& code() const { return code_; }

private:
    std::string code_;
};

// Reads SRT or WebVTT (a BOM and CR/CRLF/LF line ends accepted) into cues sorted by start time; throws
// subtitle_error when no cue can be read, or at the first unreadable block when `how` says so.
std::vector<cue> parse_subtitle_text(std::string_view bytes, const subtitle_reading& how = transcoder_file);
// parse_subtitle_text of a file's bytes (at most 10 MB), read as a transcoder_file.
std::vector<cue> read_subtitle_file(const std::string& path);
// UTF-8 as it is (without a BOM), anything else read as Windows-1252.
std::string to_utf8(const std::string& bytes);
// The text of an ASS event as libavcodec gives it ("0,0,Default,,0,0,0,,Hello\\Nworld"), tags removed.
std::string ass_event_text(const std::string& event);
// A cue's text as written in a track: markup WebVTT does not know removed, bare '&' '<' '>' escaped,
// empty lines dropped. Writing the result again changes nothing.
std::string webvtt_cue_text(std::string_view text);
std::string webvtt_document(const std::vector<cue>& cues);
std::string vtt_timestamp(double seconds);
// Lower case, and the two-letter ISO 639-1 code where one exists, as BCP 47 prefers ("fre", "fra",
// "FR" → "fr"). Anything else is returned in lower case: whether it is a language is the caller's call.
std::string normalize_language(std::string_view tag);
// The language's name in itself, for the player's menu.
std::string language_name(const std::string& lang);

}  // namespace festival::transcoder
