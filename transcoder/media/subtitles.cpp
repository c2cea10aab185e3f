#include "transcoder/media/subtitles.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "transcoder/media/utf8.hpp"

namespace festival::media {
namespace {

void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) out += char(code);
    else if (code < 0x800) { out += char(0xC0 | (code >> 6)); out += char(0x80 | (code & 0x3F)); }
    else { out += char(0xE0 | (code >> 12)); out += char(0x80 | ((code >> 6) & 0x3F)); out += char(0x80 | (code & 0x3F)); }
}

// "00:01:02,500", "01:02.500" (WebVTT may omit hours); negative when malformed.
double parse_time(const std::string& t) {
    int h = 0, m = 0, s = 0, ms = 0;
    char sep = 0;
    // In floating point: hours from a hostile file could overflow an int.
    auto seconds = [&] { return h < 0 || m < 0 || s < 0 || ms < 0 ? -1.0 : h * 3600.0 + m * 60.0 + s + ms / 1000.0; };
    if (std::sscanf(t.c_str(), "%d:%d:%d%c%d", &h, &m, &s, &sep, &ms) == 5 && (sep == ',' || sep == '.'))
        return seconds();
    h = 0;
    if (std::sscanf(t.c_str(), "%d:%d%c%d", &m, &s, &sep, &ms) == 4 && (sep == ',' || sep == '.'))
        return seconds();
    return -1;
}

std::string strip_tags(const std::string& line) {
    // Keep the words, drop markup a WebVTT cue would show literally or misread ({\an8}, <font>).
    static const std::regex braces(R"(\{[^}]*\})"), fonts(R"(</?font[^>]*>)", std::regex::icase);
    return std::regex_replace(std::regex_replace(line, braces, ""), fonts, "");
}

std::string escape_cue(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else out += c;
    }
    return out;
}

}  // namespace

std::string to_utf8(const std::string& bytes) {
    std::string text = bytes.rfind("\xEF\xBB\xBF", 0) == 0 ? bytes.substr(3) : bytes;
    if (media::valid_utf8(text)) return text;  // strict: no overlongs, surrogates or cut characters
    // Windows-1252: Latin-1 plus the typographic marks in 0x80–0x9F.
    static const unsigned cp1252[32] = {0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160,
                                        0x2039, 0x152, 0x8D, 0x17D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
                                        0x2013, 0x2014, 0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x9D, 0x17E, 0x178};
    std::string out;
    for (unsigned char c : text) append_utf8(out, c >= 0x80 && c < 0xA0 ? cp1252[c - 0x80] : c);
    return out;
}

std::vector<cue> parse_subtitle_text(std::string text) {
    text = to_utf8(text);
    text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
    std::istringstream in(text);
    std::vector<cue> cues;
    std::string line;
    std::optional<cue> current;
    auto flush = [&] {
        if (current && current->end > current->start && !current->text.empty()) cues.push_back(*current);
        current.reset();
    };
    while (std::getline(in, line)) {
        const auto arrow = line.find("-->");
        if (arrow != std::string::npos) {
            flush();
            auto left = line.substr(0, arrow), right = line.substr(arrow + 3);
            auto trim = [](std::string s) {
                s.erase(0, s.find_first_not_of(" \t"));
                const auto end = s.find_first_of(" \t");
                return end == std::string::npos ? s : s.substr(0, end);
            };
            const double start = parse_time(trim(left)), end = parse_time(trim(right));
            if (start >= 0 && end >= 0) current = cue{start, end, ""};
            continue;
        }
        if (line.empty()) {
            flush();
            continue;
        }
        if (current) {
            const auto clean = strip_tags(line);
            if (!clean.empty()) current->text += (current->text.empty() ? "" : "\n") + clean;
        }
    }
    flush();
    if (cues.empty()) throw std::runtime_error("no subtitle cue could be read (SRT or WebVTT expected)");
    std::stable_sort(cues.begin(), cues.end(), [](const cue& a, const cue& b) { return a.start < b.start; });
    return cues;
}

std::vector<cue> read_subtitle_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read subtitle file " + path);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (buffer.str().size() > 10 * 1024 * 1024) throw std::runtime_error("subtitle file larger than 10 MB");
    return parse_subtitle_text(buffer.str());
}

std::string ass_event_text(const std::string& event) {
    std::size_t pos = 0;
    for (int commas = 0; commas < 8 && pos != std::string::npos; ++commas) {
        pos = event.find(',', pos);
        if (pos != std::string::npos) ++pos;
    }
    std::string text = pos == std::string::npos ? event : event.substr(pos);
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == 'N' || text[i + 1] == 'n')) {
            out += '\n';
            ++i;
        } else if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'h') {
            out += ' ';
            ++i;
        } else {
            out += text[i];
        }
    }
    return strip_tags(out);
}

std::string vtt_timestamp(double seconds) {
    auto ms = static_cast<long long>(std::llround(std::max(0.0, seconds) * 1000));
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
                  ms % 1000);
    return buffer;
}

std::string webvtt_document(const std::vector<cue>& cues) {
    std::string out = "WEBVTT\n\n";
    for (const auto& c : cues)
        out += vtt_timestamp(c.start) + " --> " + vtt_timestamp(c.end) + "\n" + escape_cue(c.text) + "\n\n";
    return out;
}

std::string normalize_language(const std::string& tag) {
    static const std::map<std::string, std::string> two_letters = {
        {"fre", "fr"}, {"fra", "fr"}, {"eng", "en"}, {"spa", "es"}, {"ara", "ar"}, {"ger", "de"},
        {"deu", "de"}, {"ita", "it"}, {"por", "pt"}, {"wol", "wo"}, {"bam", "bm"}};
    std::string lower;
    for (char c : tag) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = two_letters.find(lower);
    return it == two_letters.end() ? lower : it->second;
}

std::string language_name(const std::string& lang) {
    static const std::map<std::string, std::string> names = {
        {"fr", "Français"}, {"fre", "Français"}, {"fra", "Français"}, {"en", "English"}, {"eng", "English"},
        {"es", "Español"},  {"spa", "Español"},  {"ar", "العربية"},   {"ara", "العربية"}, {"de", "Deutsch"},
        {"ger", "Deutsch"}, {"it", "Italiano"},  {"ita", "Italiano"}, {"pt", "Português"}, {"por", "Português"},
        {"wo", "Wolof"},    {"wol", "Wolof"}};
    auto it = names.find(lang);
    return it == names.end() ? lang : it->second;
}

}  // namespace festival::media
