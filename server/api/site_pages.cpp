#include "server/api/site_pages.hpp"

namespace festival::server {
namespace {

// Whether a page's path pattern matches, keeping the "{key}" segment. A key is one non-empty segment.
bool matches(std::string_view pattern, std::string_view path, std::string& key) {
    const auto brace = pattern.find("{key}");
    if (brace == std::string_view::npos) return pattern == path;
    const auto prefix = pattern.substr(0, brace);
    if (!path.starts_with(prefix)) return false;
    const auto rest = path.substr(prefix.size());
    if (rest.empty() || rest.find('/') != std::string_view::npos) return false;
    key = std::string(rest);
    return true;
}

}  // namespace

std::optional<site_address> find_site_page(std::string_view path) {
    if (path.size() < 3 || path[0] != '/') return std::nullopt;
    const auto language = path.substr(1, 2);
    bool known = false;
    for (const auto l : site_languages) known = known || l == language;
    if (!known) return std::nullopt;
    auto rest = path.substr(3);
    if (!rest.empty() && rest[0] != '/') return std::nullopt;  // "/french" is not a language
    if (!rest.empty()) rest.remove_prefix(1);
    for (const auto& page : site_pages) {
        std::string key;
        if (matches(page.path, rest, key)) return site_address{std::string(language), &page, std::move(key)};
    }
    return std::nullopt;
}

}  // namespace festival::server
