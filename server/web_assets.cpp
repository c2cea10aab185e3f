#include "server/web_assets.hpp"

#include <algorithm>
#include <cstdio>
#include <array>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>

#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

constexpr std::array<std::string_view, 15> asset_extensions{
    ".js", ".mjs", ".css", ".json", ".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".ico", ".woff", ".woff2", ".vtt", ".wasm"};

// Scripts and style sheets of ours load further assets; the vendor files are not read.
bool loads_more(std::string_view path) {
    return !path.starts_with("/vendor/") && (path.ends_with(".js") || path.ends_with(".mjs") || path.ends_with(".css"));
}

bool has_asset_extension(std::string_view path) {
    const auto dot = path.rfind('.');
    if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return false;
    return std::find(asset_extensions.begin(), asset_extensions.end(), path.substr(dot)) != asset_extensions.end();
}

// What may appear in a path we take for an asset: no spaces, quotes, markup or template parts.
bool is_path_char(char c) {
    return static_cast<unsigned char>(c) > ' ' && c != '"' && c != '\'' && c != '`' && c != '<' && c != '>' &&
           c != '\\' && c != '$' && c != '{' && c != '}' && c != '(' && c != ')';
}

// Paths the server answers itself, not from the pages folder ("/api/moderation/export.json").
bool answered_by_a_route(std::string_view path) {
    return path.starts_with("/api/") || path.starts_with("/media/") || path.starts_with("/preview/");
}

bool starts_a_path(std::string_view rest) {
    return (rest.starts_with("/") && !rest.starts_with("//")) || rest.starts_with("./") || rest.starts_with("../");
}

// "/js/pages/film.js" + "../player.js" → "/js/player.js"; nullopt when it climbs above the site's root.
std::optional<std::string> resolve(std::string_view reference, std::string_view from) {
    std::string combined = reference.starts_with("/") ? std::string(reference)
                                                      : std::string(from.substr(0, from.rfind('/') + 1)) + std::string(reference);
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= combined.size()) {
        const auto slash = std::min(combined.find('/', start), combined.size());
        const auto part = combined.substr(start, slash - start);
        if (part == "..") {
            if (parts.empty()) return std::nullopt;
            parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        start = slash + 1;
    }
    std::string path;
    for (const auto& part : parts) path += "/" + part;
    return path;
}

std::optional<std::string> read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), {});
}

bool readable_file(const std::filesystem::path& file) {
    std::error_code error;
    return std::filesystem::is_regular_file(file, error) && std::ifstream(file).good();
}

}  // namespace

web_file_location locate_web_file(std::string_view pages_dir, std::string_view vendor_dir, std::string_view path) {
    if (path.starts_with("vendor/")) return {vendor_dir, std::string(path.substr(7))};
    return {pages_dir, std::string(path)};
}

std::vector<std::string> referenced_web_assets(std::string_view text, std::string_view from) {
    std::vector<std::string> found;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char quote = text[i];
        if ((quote != '"' && quote != '\'' && quote != '`') || !starts_a_path(text.substr(i + 1))) continue;
        std::size_t end = i + 1;
        while (end < text.size() && is_path_char(text[end])) ++end;
        if (end == text.size() || text[end] != quote) continue;  // not a plain quoted path
        auto reference = text.substr(i + 1, end - i - 1);
        reference = reference.substr(0, reference.find_first_of("?#"));
        i = end;
        if (!has_asset_extension(reference) || answered_by_a_route(reference)) continue;
        const auto path = resolve(reference, from).value_or(std::string(reference));
        if (std::find(found.begin(), found.end(), path) == found.end()) found.push_back(path);
    }
    return found;
}

std::vector<missing_web_asset> missing_web_assets(const std::string& pages_dir, const std::string& vendor_dir) {
    namespace fs = std::filesystem;
    std::vector<std::string> pages;
    std::error_code error;
    for (fs::directory_iterator it(pages_dir, error), end; !error && it != end; it.increment(error))
        if (it->path().extension() == ".html" && it->is_regular_file(error)) {
            std::string page = "/";  // appended, not "/" + name: GCC 12's -Wrestrict false positive (PR105651)
            page += it->path().filename().string();
            pages.push_back(std::move(page));
        }
    if (pages.empty()) return {{"/index.html", "the pages folder " + pages_dir}};
    std::sort(pages.begin(), pages.end());

    std::vector<missing_web_asset> missing;
    std::set<std::string> seen(pages.begin(), pages.end());
    std::deque<std::string> to_read(pages.begin(), pages.end());
    while (!to_read.empty()) {
        const auto from = std::move(to_read.front());
        to_read.pop_front();
        const auto [root, relative] = locate_web_file(pages_dir, vendor_dir, std::string_view(from).substr(1));
        const auto text = read_file(fs::path(root) / relative);
        if (!text) continue;  // already reported when it was found missing
        for (auto& path : referenced_web_assets(*text, from)) {
            if (!seen.insert(path).second) continue;
            const auto location = path.starts_with("/") ? std::optional(locate_web_file(pages_dir, vendor_dir, std::string_view(path).substr(1)))
                                                        : std::nullopt;  // above the site's root
            if (!location || !readable_file(fs::path(location->root) / location->relative))
                missing.push_back({path, from});
            else if (loads_more(path))
                to_read.push_back(std::move(path));
        }
    }
    return missing;
}

bool web_assets_complete(const std::string& pages_dir, const std::string& vendor_dir) {
    const auto missing = missing_web_assets(pages_dir, vendor_dir);
    for (const auto& asset : missing) {
        log_event("web_asset_missing", {{"asset", asset.path}, {"loaded_by", asset.referenced_by}});
        std::fprintf(stderr, "festival serve: web asset %s (loaded by %s) is missing\n", asset.path.c_str(),
                     asset.referenced_by.c_str());
    }
    if (!missing.empty())
        std::fprintf(stderr, "festival serve: pages in %s, vendor files in %s (cmake --install puts both in place)\n",
                     pages_dir.c_str(), vendor_dir.c_str());
    return missing.empty();
}

}  // namespace festival::server
