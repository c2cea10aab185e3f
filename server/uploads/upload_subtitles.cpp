#include "server/uploads/upload_subtitles.hpp"

#include "server/http/http_message.hpp"
#include "transcoder/media/subtitles.hpp"

namespace festival::server {

webvtt_file subtitles_to_webvtt(std::string_view bytes) {
    try {
        const auto cues = transcoder::parse_subtitle_text(bytes, transcoder::curator_upload);
        return {transcoder::webvtt_document(cues), static_cast<int>(cues.size())};
    } catch (const transcoder::subtitle_error& e) {
        throw http_error(400, e.code(), e.what());
    }
}

std::string language_code(const std::string& tag) {
    auto lang = transcoder::normalize_language(tag);
    bool ok = lang.size() == 2 || lang.size() == 3;
    for (const char c : lang) ok = ok && c >= 'a' && c <= 'z';
    if (!ok) throw http_error(400, "invalid_language", "a language is an ISO 639 code such as fr, en or es");
    return lang;
}

}  // namespace festival::server
