#include "server/api/page_redirects.hpp"

#include <cctype>

#include "server/api/page_urls.hpp"
#include "server/api/site_pages.hpp"

namespace festival::server {
namespace {

// A key as one path segment of the Location header: anything but unreserved characters encoded, so a
// decoded "%0D%0A" or "/" can never reach the header or change the path.
std::string encoded_segment(std::string_view key) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : key) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

// The raw value of `name` in a query and the query without it.
std::optional<std::string> take_parameter(std::string& query, std::string_view name) {
    std::optional<std::string> value;
    std::string kept;
    std::size_t start = 0;
    while (start <= query.size()) {
        auto end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        const auto item = std::string_view(query).substr(start, end - start);
        const auto equals = item.find('=');
        if (!value && item.substr(0, equals) == name) {
            value = std::string(equals == std::string_view::npos ? std::string_view{} : item.substr(equals + 1));
        } else if (!item.empty()) {
            if (!kept.empty()) kept += '&';
            kept += item;
        }
        start = end + 1;
    }
    query = kept;
    return value;
}

// A raw query is kept only as visible ASCII (what a request line may carry anyway).
bool printable(std::string_view query) {
    for (const char c : query)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
    return true;
}

std::string with_query(std::string address, const std::string& query) {
    if (!query.empty() && printable(query)) address += "?" + query;
    return address;
}

}  // namespace

std::optional<std::string> moved_page_address(std::string_view path, std::string_view query_text, std::string_view language) {
    if (path.empty() || path[0] != '/') return std::nullopt;
    std::string query(query_text);
    const auto rest = path.substr(1);
    // A page's file, as the pages were once linked: "/index.html", "/catalog.html", "/premiere.html?id=4".
    if (rest.ends_with(".html") && rest.find('/') == std::string_view::npos) {
        for (const auto& page : site_pages) {
            if (page.file != rest) continue;
            const auto brace = page.path.find("{key}");
            if (brace == std::string_view::npos) return with_query(page_path(language, page.path), query);
            auto key = take_parameter(query, "id");
            if (!key && page.name == "film") key = take_parameter(query, "slug");
            if (!key || key->empty()) return page_path(language, page.name == "film" || page.name == "premiere" ? "catalog" : "");
            return with_query(page_path(language, std::string(page.path.substr(0, brace)) + encoded_segment(*key)), query);
        }
        return std::nullopt;
    }
    // A clean address without its language: "/", "/catalog", "/films/x".
    const auto found = find_site_page(page_path("en", rest));
    if (!found) return std::nullopt;
    std::string moved(found->page->path);
    if (const auto brace = moved.find("{key}"); brace != std::string::npos) moved.replace(brace, 5, encoded_segment(found->key));
    return with_query(page_path(language, moved), query);
}

}  // namespace festival::server
