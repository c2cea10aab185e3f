#include "server/router.hpp"

#include <string_view>

namespace festival::server {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 1;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string_view::npos ? path.size() : slash;
        parts.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

bool match_pattern(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
    if (path.empty() || path.front() != '/') return false;
    const auto want = split_path(pattern);
    const auto have = split_path(path);
    for (std::size_t i = 0; i < want.size(); ++i) {
        const auto segment = want[i];
        const bool variable = segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
        if (variable && segment.ends_with("...}")) {
            if (i >= have.size()) return false;
            std::string rest;
            for (std::size_t k = i; k < have.size(); ++k) rest += (k > i ? "/" : "") + std::string(have[k]);
            params[std::string(segment.substr(1, segment.size() - 5))] = rest;
            return !rest.empty();
        }
        if (i >= have.size()) return false;
        if (variable) {
            if (have[i].empty()) return false;
            params[std::string(segment.substr(1, segment.size() - 2))] = std::string(have[i]);
        } else if (segment != have[i]) {
            return false;
        }
    }
    return want.size() == have.size();
}

}  // namespace

bool needs_csrf(const route& r) {
    return r.needs != access::anyone && r.method != "GET" && r.method != "HEAD";
}

router::router(std::vector<route> routes) : routes_(std::move(routes)) {}

route_match router::match(const std::string& method, const std::string& path) const {
    route_match result;
    for (const auto& r : routes_) {
        std::map<std::string, std::string> params;
        if (!match_pattern(r.pattern, path, params)) continue;
        // A catch-all ("/{path...}") does not make every path known: other methods there are 404s.
        if (!r.pattern.starts_with("/{")) result.path_known = true;
        if (r.method == method || (method == "HEAD" && r.method == "GET")) {
            result.found = &r;
            result.params = std::move(params);
            return result;
        }
    }
    return result;
}

}  // namespace festival::server
