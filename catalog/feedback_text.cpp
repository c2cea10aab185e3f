#include "catalog/feedback_text.hpp"

#include "catalog/errors.hpp"
#include "transcoder/media/utf8.hpp"

namespace festival::catalog {

std::size_t code_points(std::string_view text) {
    std::size_t n = 0;
    for (const char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

void check_viewer_text(std::string_view field, std::string_view text, std::size_t max_chars, bool required) {
    const std::string name(field);
    if (!media::valid_utf8(text)) throw invalid("invalid_utf8", "'" + name + "' is not valid UTF-8");
    if (code_points(text) > max_chars)
        throw invalid("too_long", "'" + name + "' is longer than " + std::to_string(max_chars) + " characters");
    bool blank = true;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
            throw invalid("invalid_text", "'" + name + "' contains control characters");
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') blank = false;
    }
    if (required && blank) throw invalid("empty", "'" + name + "' is empty");
}

}  // namespace festival::catalog
