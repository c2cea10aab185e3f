#include "transcoder/media/subtitles.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "transcoder/media/utf8.hpp"

namespace festival::transcoder {
namespace {

void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) out += char(code);
    else if (code < 0x800) { out += char(0xC0 | (code >> 6)); out += char(0x80 | (code & 0x3F)); }
    else { out += char(0xE0 | (code >> 12)); out += char(0x80 | ((code >> 6) & 0x3F)); out += char(0x80 | (code & 0x3F)); }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// `min` to `max` digits at the front of `s` as a number, consumed; nullopt when there are not as many.
std::optional<long long> take_digits(std::string_view& s, std::size_t min, std::size_t max) {
    std::size_t n = 0;
    while (n < s.size() && n < max && is_digit(s[n])) ++n;
    if (n < min || (n < s.size() && is_digit(s[n]))) return std::nullopt;
    long long value = 0;
    for (std::size_t i = 0; i < n; ++i) value = value * 10 + (s[i] - '0');
    s.remove_prefix(n);
    return value;
}

bool take(std::string_view& s, char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
}

// "01:02:03,456" (SRT), "01:02:03.456" or "02:03.456" (WebVTT may omit hours) in seconds. Hours have at
// most 9 digits, so that a hostile file's times stay exact in milliseconds.
std::optional<double> parse_time(std::string_view t, bool comma_allowed = true) {
    const auto size = t.size();
    auto first = take_digits(t, 1, 9);
    const bool two_digits = size - t.size() == 2;
    if (!first || !take(t, ':')) return std::nullopt;
    auto second = take_digits(t, 2, 2);
    if (!second) return std::nullopt;
    long long h = 0, m = *first, s = *second;
    if (take(t, ':')) {
        auto third = take_digits(t, 2, 2);
        if (!third) return std::nullopt;
        h = *first, m = *second, s = *third;
    } else if (!two_digits) {
        return std::nullopt;  // minutes have two digits
    }
    if (!(take(t, '.') || (comma_allowed && take(t, ','))) || m > 59 || s > 59) return std::nullopt;
    const auto ms = take_digits(t, 3, 3);
    if (!ms || !t.empty()) return std::nullopt;
    return h * 3600.0 + m * 60.0 + s + *ms / 1000.0;
}

struct timing {
    double start = 0, end = 0;
    std::string settings;
};

// "start --> end [settings]"; nullopt when the line is not a timing line.
std::optional<timing> parse_timing(std::string_view line) {
    const auto arrow = line.find("-->");
    if (arrow == std::string_view::npos) return std::nullopt;
    auto rest = line.substr(arrow + 3);
    while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
    const auto blank = std::min(rest.find(' '), rest.find('\t'));
    const auto start = parse_time(trimmed(line.substr(0, arrow)));
    const auto end = parse_time(rest.substr(0, blank));
    if (!start || !end) return std::nullopt;
    timing t{*start, *end, {}};
    if (blank != std::string_view::npos) t.settings = std::string(trimmed(rest.substr(blank)));
    if (t.settings.find("-->") != std::string::npos) t.settings.clear();  // would end the cue early for a player
    return t;
}

// Lines ended by CR, LF or CRLF, as WebVTT reads them.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t begin = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\r' && text[i] != '\n') continue;
        lines.push_back(text.substr(begin, i - begin));
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        begin = i + 1;
    }
    if (begin < text.size()) lines.push_back(text.substr(begin));
    return lines;
}

constexpr std::array<std::string_view, 8> webvtt_tags = {"c", "i", "b", "u", "v", "lang", "ruby", "rt"};

// `tag` is "<…>" with no '<' or '>' inside. Its name in lower case when it is an element tag
// ("<font color=x>", "</I>"), empty when it is something else ("<3>", "< b>").
std::string tag_name(std::string_view tag) {
    std::size_t i = 1;
    if (i < tag.size() && tag[i] == '/') ++i;
    std::string name;
    while (i < tag.size() && (is_letter(tag[i]) || (!name.empty() && is_digit(tag[i]))))
        name += static_cast<char>(tag[i++] | 0x20);
    return name;
}

bool is_webvtt_tag(const std::string& name) {
    return std::find(webvtt_tags.begin(), webvtt_tags.end(), name) != webvtt_tags.end();
}

// The length of the WebVTT markup that starts `s` ("<i>", "</v>", "<00:01.000>", "&amp;"), 0 if none.
std::size_t markup_length(std::string_view s) {
    if (s.starts_with('<')) {
        const auto close = s.find_first_of("<>", 1);
        if (close == std::string_view::npos || s[close] != '>') return 0;
        const auto tag = s.substr(0, close + 1);
        if (tag.find("-->") != std::string_view::npos) return 0;  // would end the cue early for a player
        const auto name = tag_name(tag);
        const bool exact_case = tag.substr(tag[1] == '/' ? 2 : 1, name.size()) == name;
        if (!name.empty()) return is_webvtt_tag(name) && exact_case ? tag.size() : 0;
        return parse_time(tag.substr(1, tag.size() - 2), false) ? tag.size() : 0;  // a timestamp tag
    }
    if (s.starts_with('&')) {
        std::size_t i = 1;
        if (i < s.size() && s[i] == '#') {
            ++i;
            const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
            if (hex) ++i;
            const auto digits_start = i;
            while (i < s.size() && (is_digit(s[i]) || (hex && is_letter(s[i]) && (s[i] | 0x20) <= 'f'))) ++i;
            if (i == digits_start) return 0;
        } else {
            while (i < s.size() && (is_letter(s[i]) || (i > 1 && is_digit(s[i])))) ++i;
            if (i == 1) return 0;
        }
        return i < s.size() && s[i] == ';' ? i + 1 : 0;
    }
    return 0;
}

// One line of cue text without the markup WebVTT does not know: ASS override blocks ("{\an8}") and
// element tags other than WebVTT's ("<font …>"), which go with their brackets; WebVTT's tags are written
// in lower case. One pass over the line: what a removal joins together ("<fo{\x}nt>") is removed too,
// so that cleaning the result again changes nothing.
std::string without_foreign_markup(std::string_view line) {
    std::string out;
    std::vector<std::size_t> open_tags, open_blocks;  // in `out`: '<' not closed yet, "{\" not closed yet
    auto cut = [&](std::size_t size) {
        out.resize(size);
        while (!open_tags.empty() && open_tags.back() >= size) open_tags.pop_back();
        while (!open_blocks.empty() && open_blocks.back() >= size) open_blocks.pop_back();
    };
    for (const char c : line) {
        if (c == '}' && !open_blocks.empty()) {
            cut(open_blocks.back());
            continue;
        }
        if (c == '>' && !open_tags.empty()) {
            const auto at = open_tags.back();
            const auto name = tag_name(std::string_view(out).substr(at));
            if (!name.empty() && !is_webvtt_tag(name)) {
                cut(at);
                continue;
            }
            if (!name.empty()) {  // WebVTT's tags are case-sensitive: <I> is written <i>
                const auto name_at = at + (out[at + 1] == '/' ? 2 : 1);
                std::transform(out.begin() + name_at, out.begin() + name_at + name.size(), out.begin() + name_at,
                               [](char ch) { return static_cast<char>(ch | 0x20); });
            }
            open_tags.clear();  // a '>' kept closes every '<' before it
        }
        if (c == '<') open_tags.push_back(out.size());
        if (c == '\\' && !out.empty() && out.back() == '{') open_blocks.push_back(out.size() - 1);
        out += c;
    }
    return out;
}

// A line of cue text with '&', '<' and '>' that are not WebVTT markup escaped.
std::string escaped_line(std::string_view line) {
    std::string out;
    for (std::size_t i = 0; i < line.size();) {
        if (const auto n = markup_length(line.substr(i))) {
            out += line.substr(i, n);
            i += n;
            continue;
        }
        const char c = line[i++];
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else out += c;
    }
    return out;
}

std::string decoded(std::string_view bytes, const subtitle_reading& how) {
    if (!how.windows_1252_fallback && !media::valid_utf8(bytes))
        throw subtitle_error("subtitles_not_utf8", "subtitle files must be UTF-8 text; save the file as UTF-8");
    auto text = to_utf8(std::string(bytes));
    if (text.find('\0') != std::string::npos) throw subtitle_error("subtitles_not_text", "this is not a subtitle text file");
    return text;
}

bool starts_non_cue_block(std::string_view line) {
    return line.starts_with("NOTE") || line.starts_with("STYLE") || line.starts_with("REGION");
}

// The non-empty lines, joined by '\n': an empty line inside a cue would end it.
std::string joined_lines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) {
        if (line.empty()) continue;
        if (!out.empty()) out += '\n';
        out += line;
    }
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
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

std::vector<cue> parse_subtitle_text(std::string_view bytes, const subtitle_reading& how) {
    const auto text = decoded(bytes, how);
    const auto lines = split_lines(text);
    const bool webvtt = !lines.empty() && lines[0].starts_with("WEBVTT");
    std::vector<cue> cues;
    std::size_t i = 0;
    if (webvtt)
        while (i < lines.size() && !lines[i].empty()) ++i;  // the header, kept by nobody
    std::optional<cue> current;
    std::vector<std::string> text_lines;
    auto finish = [&] {
        if (!current) return;
        current->text = joined_lines(text_lines);
        if (current->end > current->start && !current->text.empty()) cues.push_back(std::move(*current));
        current.reset();
        text_lines.clear();
    };
    auto start_cue = [&](timing t, std::string_view id) {
        finish();
        // An identifier holding "-->" would be read as a timing line by a player.
        const bool keep_id = webvtt && id.find("-->") == std::string_view::npos;
        current = cue{t.start, t.end, {}, keep_id ? std::string(id) : "", webvtt ? std::move(t.settings) : ""};
    };
    while (i < lines.size()) {
        while (i < lines.size() && lines[i].empty()) ++i;
        if (i >= lines.size()) break;
        std::vector<std::string_view> block;
        while (i < lines.size() && !lines[i].empty()) block.push_back(lines[i++]);
        // [identifier or SRT number] timing, then the text.
        const std::size_t t = !parse_timing(block[0]) && block.size() > 1 ? 1 : 0;
        auto first = parse_timing(block[t]);
        if (!first) {
            if ((webvtt && starts_non_cue_block(block[0])) || how.skip_unreadable_blocks) continue;
            throw subtitle_error("subtitles_malformed",
                                 "cannot read the cue timing near \"" + std::string(block[t].substr(0, 60)) + "\"");
        }
        start_cue(std::move(*first), t == 1 ? block[0] : std::string_view());
        for (std::size_t k = t + 1; k < block.size(); ++k) {
            // A timing line without the blank line before it starts the next cue (SRT files edited by hand).
            if (auto next = parse_timing(block[k])) {
                std::string_view id;  // the line before, when it is the next cue's identifier or number
                const auto before = block[k - 1];
                if (k - 1 > t && !text_lines.empty() && text_lines.back() == without_foreign_markup(before) &&
                    (webvtt || all_digits(before))) {
                    id = before;
                    text_lines.pop_back();
                }
                start_cue(std::move(*next), id);
                continue;
            }
            auto clean = without_foreign_markup(block[k]);
            if (!clean.empty()) text_lines.push_back(std::move(clean));
        }
        finish();
    }
    if (cues.empty()) throw subtitle_error("subtitles_empty", "no subtitle cue was found in this file");
    std::stable_sort(cues.begin(), cues.end(), [](const cue& a, const cue& b) { return a.start < b.start; });
    return cues;
}

std::vector<cue> read_subtitle_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read subtitle file " + path);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (buffer.str().size() > 10 * 1024 * 1024) throw std::runtime_error("subtitle file larger than 10 MB");
    return parse_subtitle_text(buffer.str(), transcoder_file);
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
    std::vector<std::string> lines;
    for (const auto line : split_lines(out)) lines.push_back(without_foreign_markup(line));
    return joined_lines(lines);
}

std::string webvtt_cue_text(std::string_view text) {
    std::vector<std::string> lines;
    for (const auto line : split_lines(text)) lines.push_back(escaped_line(without_foreign_markup(line)));
    return joined_lines(lines);
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
    for (const auto& c : cues) {
        const auto text = webvtt_cue_text(c.text);
        if (text.empty()) continue;
        if (!c.id.empty()) out += c.id + "\n";
        out += vtt_timestamp(c.start) + " --> " + vtt_timestamp(c.end) + (c.settings.empty() ? "" : " " + c.settings) +
               "\n" + text + "\n\n";
    }
    return out;
}

std::string normalize_language(std::string_view tag) {
    // ISO 639-2 (bibliographic and terminology codes) → ISO 639-1, for the languages a festival meets most.
    static const std::map<std::string, std::string, std::less<>> two_letters = {
        {"fre", "fr"}, {"fra", "fr"}, {"eng", "en"}, {"spa", "es"}, {"ara", "ar"}, {"ger", "de"}, {"deu", "de"},
        {"ita", "it"}, {"por", "pt"}, {"wol", "wo"}, {"bam", "bm"}, {"dut", "nl"}, {"nld", "nl"}, {"rus", "ru"},
        {"chi", "zh"}, {"zho", "zh"}, {"jpn", "ja"}, {"kor", "ko"}, {"pol", "pl"}, {"tur", "tr"}, {"per", "fa"},
        {"fas", "fa"}, {"heb", "he"}, {"hin", "hi"}, {"swa", "sw"}, {"hau", "ha"}, {"yor", "yo"}, {"ful", "ff"}};
    std::string lower;
    for (char c : tag) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    auto it = two_letters.find(lower);
    return it == two_letters.end() ? lower : it->second;
}

std::string language_name(const std::string& lang) {
    static const std::map<std::string, std::string> names = {
        {"fr", "Français"}, {"en", "English"},   {"es", "Español"}, {"ar", "العربية"},
        {"de", "Deutsch"},  {"it", "Italiano"},  {"pt", "Português"}, {"wo", "Wolof"}};
    auto it = names.find(normalize_language(lang));
    return it == names.end() ? lang : it->second;
}

}  // namespace festival::transcoder
