#pragma once
// Checks on text typed by viewers: well-formed UTF-8, lengths in characters, no control bytes.
// Text that passes is stored exactly as given; escaping is the display's job.
#include <cstddef>
#include <string>
#include <string_view>

namespace festival::catalog {

// Unicode code points in well-formed UTF-8 text.
std::size_t code_points(std::string_view text);

// Throws catalog_error invalid: "invalid_utf8", "too_long" (over max_chars code points), "empty"
// (when required and only blanks) or "invalid_text" (C0 controls other than tab/newline, DEL).
void check_viewer_text(std::string_view field, std::string_view text, std::size_t max_chars, bool required);

}  // namespace festival::catalog
