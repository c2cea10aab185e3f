#pragma once
// Subtitles as WebVTT: cues read from uploaded SRT/WebVTT files (UTF-8, or Windows-1252 as old SRT
// files often are) or decoded from text subtitle streams, written as one .vtt per language.
#include <string>
#include <vector>

namespace festival::media {

struct cue {
    double start = 0, end = 0;  // seconds
    std::string text;           // UTF-8, lines separated by '\n'
};

// Parses SRT or WebVTT text; throws std::runtime_error when no cue can be read.
std::vector<cue> parse_subtitle_text(std::string text);
std::vector<cue> read_subtitle_file(const std::string& path);
std::string to_utf8(const std::string& bytes);
// The text of an ASS event as libavcodec gives it ("0,0,Default,,0,0,0,,Hello\\Nworld"), tags removed.
std::string ass_event_text(const std::string& event);
std::string webvtt_document(const std::vector<cue>& cues);
std::string vtt_timestamp(double seconds);
// "fre" → "fr": BCP 47 prefers the two-letter code where one exists.
std::string normalize_language(const std::string& tag);
// The language's name in itself, for the player's menu.
std::string language_name(const std::string& lang);

}  // namespace festival::media
