#pragma once
// Text put into HTML or XML that the server writes (page heads, Atom feeds, the sitemap): one escape that
// is safe in element content and in quoted attribute values alike, so no caller has to know which.
#include <string>
#include <string_view>

namespace festival::server {

// & < > " ' become character references; everything else, UTF-8 included, is kept as it is.
std::string escape_markup(std::string_view text);

}  // namespace festival::server
