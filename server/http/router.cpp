#include "server/http/router.hpp"

#include <string_view>

namespace festival::server {

// The segments of a path after its leading '/'; held inline, as paths rarely have more than a dozen.
router::split_path router::split(std::string_view path) {
    split_path parts;
    std::size_t start = 1;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string_view::npos ? path.size() : slash;
        parts.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

bool needs_csrf(const route& r) {
    // Workers send a bearer token, which no browser adds by itself: nothing to forge across sites.
    return r.needs != access::anyone && r.needs != access::worker && r.method != "GET" && r.method != "HEAD";
}

router::router(std::vector<route> routes) : routes_(std::move(routes)) {
    patterns_.reserve(routes_.size());
    for (const auto& r : routes_) patterns_.push_back(compile(r.pattern));
    for (std::size_t i = 0; i < patterns_.size(); ++i) {
        const auto& first = patterns_[i].front();  // every pattern starts with '/', so has a segment
        if (first.what == segment::kind::literal) by_first_literal_[first.text].push_back(i);
        else open_first_segment_.push_back(i);
    }
}

std::vector<router::segment> router::compile(std::string_view pattern) {
    std::vector<segment> out;
    for (const auto part : split(pattern)) {
        const bool variable = part.size() > 2 && part.front() == '{' && part.back() == '}';
        if (variable && part.ends_with("...}"))
            out.push_back({segment::kind::rest, std::string(part.substr(1, part.size() - 5))});
        else if (variable)
            out.push_back({segment::kind::variable, std::string(part.substr(1, part.size() - 2))});
        else
            out.push_back({segment::kind::literal, std::string(part)});
    }
    return out;
}

// Tries a pattern against a split path; fills `params` only when given (after a match is known).
bool router::matches(const std::vector<segment>& pattern, const split_path& path, route_params* params) {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto& want = pattern[i];
        if (want.what == segment::kind::rest) {
            if (i >= path.size()) return false;
            // The remainder as sent, from this segment to the end; it must not be empty.
            const char* first = path[i].data();
            const char* last = path.back().data() + path.back().size();
            if (first == last) return false;
            if (params) params->set(want.text, std::string_view(first, static_cast<std::size_t>(last - first)));
            return true;
        }
        if (i >= path.size()) return false;
        if (want.what == segment::kind::variable) {
            if (path[i].empty()) return false;
            if (params) params->set(want.text, path[i]);
        } else if (want.text != path[i]) {
            return false;
        }
    }
    return pattern.size() == path.size();
}

route_match router::match(std::string_view method, std::string_view path) const {
    route_match result;
    match(method, path, result);
    return result;
}

void router::match(std::string_view method, std::string_view path, route_match& result) const {
    result.found = nullptr;
    result.path_known = false;
    result.params.clear();
    if (path.empty() || path.front() != '/') return;
    const auto parts = split(path);
    static const std::vector<std::size_t> none;
    const auto literal = by_first_literal_.find(parts.front());
    const auto& named = literal == by_first_literal_.end() ? none : literal->second;
    // Both lists in table order: the first route that matches wins.
    auto a = named.begin(), b = open_first_segment_.begin();
    while (a != named.end() || b != open_first_segment_.end()) {
        const std::size_t i = (b == open_first_segment_.end() || (a != named.end() && *a < *b)) ? *a++ : *b++;
        const auto& r = routes_[i];
        if (!matches(patterns_[i], parts, nullptr)) continue;
        // A catch-all ("/{path...}") does not make every path known: other methods there are 404s.
        if (!r.pattern.starts_with("/{")) result.path_known = true;
        if (r.method == method || (method == "HEAD" && r.method == "GET")) {
            result.found = &r;
            matches(patterns_[i], parts, &result.params);
            return;
        }
    }
}

}  // namespace festival::server
