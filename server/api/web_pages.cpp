// The festival's pages and their assets from web/, with the security headers every page carries, and
// the viewer's language as read from Accept-Language.
#include <array>
#include <cctype>

#include "server/api/handlers.hpp"
#include "server/api/page_security.hpp"
#include "server/api/site_pages.hpp"
#include "server/web_assets.hpp"

namespace festival::server {
namespace {

// Clean page addresses and the files behind them.
std::string page_file_for(const std::string& path) {
    if (const auto address = find_site_page(path)) return std::string(address->page->file);
    if (path == "/") return "index.html";
    if (path == "/catalog" || path == "/about" || path == "/curator" || path == "/organizer" || path == "/login" ||
        path == "/moderation" || path == "/feedback")
        return path.substr(1) + ".html";
    if (path.starts_with("/films/") && path.find('/', 7) == std::string::npos) return "film.html";
    return path.substr(1);
}

// The languages the pages are written in.
constexpr std::array<std::string_view, 3> page_languages{"fr", "en", "es"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// "0.8" → 800; anything malformed counts as 0 (RFC 9110 qvalues have at most three decimals).
int quality_of(std::string_view q) {
    if (q.empty() || (q[0] != '0' && q[0] != '1')) return 0;
    int value = (q[0] - '0') * 1000;
    if (q.size() > 1) {
        if (q[1] != '.') return 0;
        int scale = 100;
        for (std::size_t i = 2; i < q.size() && i < 5; ++i) {
            if (!std::isdigit(static_cast<unsigned char>(q[i]))) return 0;
            value += (q[i] - '0') * scale;
            scale /= 10;
        }
    }
    return value > 1000 ? 1000 : value;
}

}  // namespace

std::optional<std::string> preferred_page_language(std::string_view accept_language) {
    std::optional<std::string> best;
    int best_quality = 0;
    while (!accept_language.empty()) {
        const auto comma = accept_language.find(',');
        auto item = trim(accept_language.substr(0, comma));
        accept_language = comma == std::string_view::npos ? std::string_view{} : accept_language.substr(comma + 1);
        int quality = 1000;
        if (const auto semicolon = item.find(';'); semicolon != std::string_view::npos) {
            auto parameter = trim(item.substr(semicolon + 1));
            item = trim(item.substr(0, semicolon));
            quality = parameter.starts_with("q=") || parameter.starts_with("Q=") ? quality_of(parameter.substr(2)) : 0;
        }
        const auto base = item.substr(0, item.find('-'));
        for (const auto language : page_languages) {
            if (base.size() != language.size()) continue;
            bool same = true;
            for (std::size_t i = 0; i < base.size(); ++i)
                same = same && std::tolower(static_cast<unsigned char>(base[i])) == language[i];
            // The first language listed wins among equal qualities.
            if (same && quality > best_quality) {
                best = std::string(language);
                best_quality = quality;
            }
        }
    }
    return best;
}

http_response get_locale(festival_app&, http_request& request) {
    const auto header = request.header("accept-language");
    const auto language = header ? preferred_page_language(*header) : std::nullopt;
    auto response = http_response::json(200, {{"lang", language ? nlohmann::json(*language) : nlohmann::json(nullptr)}});
    response.set_header("Cache-Control", "private, no-cache");
    response.set_header("Vary", "Accept-Language");
    return response;
}

http_response get_web_page(festival_app& app, http_request& request) {
    const auto [root, relative] = locate_web_file(app.settings->web_dir, app.settings->vendor_dir, page_file_for(request.path));
    const auto file = app.files.open(root, relative);
    if (!file) throw http_error(404, "not_found", "nothing at " + request.path);
    // Pages and assets are not fingerprinted: browsers revalidate them with the ETag each time.
    auto response = file_response(request, *file, "Cache-Control: no-cache\r\n");
    add_security_headers(response);
    return response;
}

}  // namespace festival::server
