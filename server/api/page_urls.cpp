#include "server/api/page_urls.hpp"

#include <cctype>

#include "server/api/handlers.hpp"

namespace festival::server {

std::string site_origin(festival_app& app, const http_request& request) {
    if (!app.settings->public_url.empty()) {
        auto origin = app.settings->public_url;
        while (origin.ends_with('/')) origin.pop_back();
        return origin;
    }
    std::string host;
    for (const char c : request.header("host").value_or("localhost"))
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']')
            host += c;
    if (host.empty()) host = "localhost";
    return std::string(request.forwarded_https ? "https" : "http") + "://" + host;
}

std::string host_of(const std::string& origin) {
    auto host = origin.substr(origin.find("://") + 3);
    if (const auto slash = host.find('/'); slash != std::string::npos) host.erase(slash);
    if (const auto colon = host.rfind(':'); colon != std::string::npos && host.find(']', colon) == std::string::npos)
        host.erase(colon);
    return host;
}

std::string page_path(std::string_view language, std::string_view path) {
    std::string out = "/";
    out += language;
    out += '/';
    out += path;
    return out;
}

}  // namespace festival::server
