#include "server/uploads/upload_subtitles.hpp"

#include <cctype>
#include <cstdint>
#include <vector>

#include "transcoder/media/utf8.hpp"
#include "server/http/http_message.hpp"

namespace festival::server {
namespace {

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::string line;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\r') {
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
            lines.push_back(std::move(line));
            line.clear();
        } else if (c == '\n') {
            lines.push_back(std::move(line));
            line.clear();
        } else {
            line += c;
        }
    }
    if (!line.empty()) lines.push_back(std::move(line));
    return lines;
}

bool digits(std::string_view s, std::size_t count) {
    if (s.size() != count) return false;
    for (const char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// "01:02:03,456", "01:02:03.456" or (WebVTT) "02:03.456" → "01:02:03.456"; empty when malformed.
std::string vtt_time(std::string_view t) {
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    const auto mark = t.find_last_of(",.");
    if (mark == std::string_view::npos || !digits(t.substr(mark + 1), 3)) return {};
    const auto clock = t.substr(0, mark);
    std::string h = "00", m, s;
    const auto first = clock.find(':');
    const auto second = clock.find(':', first == std::string_view::npos ? first : first + 1);
    if (first == std::string_view::npos) return {};
    if (second == std::string_view::npos) {
        m = clock.substr(0, first);
        s = clock.substr(first + 1);
    } else {
        h = clock.substr(0, first);
        m = clock.substr(first + 1, second - first - 1);
        s = clock.substr(second + 1);
    }
    if (h.size() == 1) h = "0" + h;
    if (h.size() < 2 || !digits(h, h.size()) || !digits(m, 2) || !digits(s, 2) || m[0] > '5' || s[0] > '5') return {};
    return h + ":" + m + ":" + s + "." + std::string(t.substr(mark + 1));
}

// "start --> end [settings]" → the WebVTT timing line; empty when this is not a timing line.
std::string timing_line(const std::string& line, bool keep_settings) {
    const auto arrow = line.find("-->");
    if (arrow == std::string::npos) return {};
    const auto start = vtt_time(std::string_view(line).substr(0, arrow));
    auto rest = std::string_view(line).substr(arrow + 3);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const auto space = rest.find(' ');
    const auto end = vtt_time(rest.substr(0, space));
    if (start.empty() || end.empty()) return {};
    std::string out = start + " --> " + end;
    if (keep_settings && space != std::string_view::npos) out += std::string(rest.substr(space));
    return out;
}

}  // namespace

bool is_utf8(std::string_view bytes) {
    return media::valid_utf8(bytes);  // the one strict check, shared with feedback and the transcoder
}

webvtt_file subtitles_to_webvtt(std::string_view bytes) {
    if (!is_utf8(bytes))
        throw http_error(400, "subtitles_not_utf8", "subtitle files must be UTF-8 text; save the file as UTF-8");
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
    if (bytes.find('\0') != std::string_view::npos)
        throw http_error(400, "subtitles_not_text", "this is not a subtitle text file");
    const auto lines = split_lines(bytes);
    const bool webvtt = !lines.empty() && lines[0].starts_with("WEBVTT");
    webvtt_file out;
    out.text = webvtt ? lines[0] + "\n" : std::string("WEBVTT\n");
    std::size_t i = webvtt ? 1 : 0;
    // WebVTT: header lines until the first blank line are kept (STYLE/REGION blocks follow later).
    if (webvtt)
        while (i < lines.size() && !lines[i].empty()) out.text += lines[i++] + "\n";
    out.text += "\n";
    while (i < lines.size()) {
        // Skip blank lines, then read one block: [identifier] timing text…
        while (i < lines.size() && lines[i].empty()) ++i;
        if (i >= lines.size()) break;
        std::vector<std::string> block;
        while (i < lines.size() && !lines[i].empty()) block.push_back(lines[i++]);
        std::size_t t = 0;
        if (timing_line(block[0], webvtt).empty() && block.size() > 1) t = 1;  // a cue number or identifier
        const auto timing = timing_line(block[t], webvtt);
        if (timing.empty()) {
            if (webvtt && (block[0].starts_with("NOTE") || block[0].starts_with("STYLE") || block[0].starts_with("REGION"))) {
                for (const auto& l : block) out.text += l + "\n";
                out.text += "\n";
                continue;
            }
            throw http_error(400, "subtitles_malformed",
                             "cannot read the cue timing near \"" + block[t].substr(0, 60) + "\"");
        }
        if (webvtt && t == 1) out.text += block[0] + "\n";
        out.text += timing + "\n";
        for (std::size_t k = t + 1; k < block.size(); ++k) {
            // "-->" inside cue text would end the cue early for a WebVTT parser.
            std::string text = block[k];
            for (std::size_t at; (at = text.find("-->")) != std::string::npos;) text.replace(at, 3, "--&gt;");
            out.text += text + "\n";
        }
        out.text += "\n";
        ++out.cues;
    }
    if (out.cues == 0) throw http_error(400, "subtitles_empty", "no subtitle cue was found in this file");
    return out;
}

void require_language_code(const std::string& lang) {
    bool ok = lang.size() == 2 || lang.size() == 3;
    for (const char c : lang) ok = ok && c >= 'a' && c <= 'z';
    if (!ok) throw http_error(400, "invalid_language", "a language is an ISO 639 code such as fr, en or es");
}

}  // namespace festival::server
