#include "server/http/http_message.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace festival::server {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

open_file::~open_file() {
    if (fd >= 0) ::close(fd);
}

bool media_type_is(std::string_view content_type, std::string_view type) {
    auto media = content_type.substr(0, content_type.find(';'));
    while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
    return iequals(media, type);
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

const std::string* route_params::find(std::string_view name) const {
    for (std::size_t i = 0; i < used_; ++i)
        if (entries_[i].first == name) return &entries_[i].second;
    return nullptr;
}

const std::string& route_params::at(std::string_view name) const {
    if (const auto* value = find(name)) return *value;
    throw std::out_of_range("no route parameter '" + std::string(name) + "'");
}

void route_params::set(std::string_view name, std::string_view value) {
    for (std::size_t i = 0; i < used_; ++i)
        if (entries_[i].first == name) return entries_[i].second.assign(value.data(), value.size()), void();
    if (used_ == entries_.size()) entries_.emplace_back();
    auto& [key, text] = entries_[used_++];
    key.assign(name.data(), name.size());
    text.assign(value.data(), value.size());
}

std::optional<std::string_view> http_request::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (key == name) return std::string_view(value);
    return std::nullopt;
}

std::optional<std::string> http_request::query_param(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        const auto eq = pair.find('=');
        const auto key = percent_decode(pair.substr(0, eq), true);
        if (!key || *key != name) continue;
        if (eq == std::string_view::npos) return std::string();
        return percent_decode(pair.substr(eq + 1), true);
    }
    return std::nullopt;
}

int http_request::query_number(std::string_view name, int fallback, int high) const {
    const auto text = query_param(name);
    if (!text) return fallback;
    try {
        std::size_t used = 0;
        const int n = std::stoi(*text, &used);
        if (used == text->size() && n >= 1 && n <= high) return n;
    } catch (const std::exception&) {
    }
    throw http_error(400, "invalid_query",
                     "'" + std::string(name) + "' must be a number from 1 to " + std::to_string(high));
}

std::optional<std::string> http_request::cookie(std::string_view name) const {
    const auto header_value = header("cookie");
    if (!header_value) return std::nullopt;
    std::string_view rest = *header_value;
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        std::string_view pair = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    }
    return std::nullopt;
}

nlohmann::json http_request::json_body() const {
    if (body.empty()) throw http_error(400, "empty_body", "a JSON body is required");
    try {
        return nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& e) {
        // Not only syntax: a number too large for a double ("1e999") is out_of_range.406.
        throw http_error(400, "malformed_json", std::string("the body is not valid JSON: ") + e.what());
    }
}

namespace {

// Calls `each(name, value)` for every "Name: value\r\n" line until it returns true; true if one did.
template <typename Each>
bool for_each_header_line(std::string_view lines, Each each) {
    while (!lines.empty()) {
        const auto end = lines.find("\r\n");
        const auto line = lines.substr(0, end);
        if (const auto colon = line.find(':'); colon != std::string_view::npos) {
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            if (each(line.substr(0, colon), value)) return true;
        }
        if (end == std::string_view::npos) break;
        lines.remove_prefix(end + 2);
    }
    return false;
}

std::optional<std::string_view> find_header_line(std::string_view lines, std::string_view name) {
    std::optional<std::string_view> found;
    for_each_header_line(lines, [&](std::string_view key, std::string_view value) {
        if (iequals(key, name)) found = value;
        return found.has_value();
    });
    return found;
}

}  // namespace

http_response& http_response::set_header(std::string name, std::string value) {
    // A name among the shared or static lines: those become ordinary headers, so this one replaces
    // its value.
    const auto to_headers = [&](std::string_view lines) {
        for_each_header_line(lines, [&](std::string_view key, std::string_view line_value) {
            headers.emplace_back(std::string(key), std::string(line_value));
            return false;
        });
    };
    if (shared_header_lines && find_header_line(*shared_header_lines, name)) {
        to_headers(*shared_header_lines);
        shared_header_lines.reset();
    }
    if (find_header_line(static_header_lines.view(), name)) {
        to_headers(static_header_lines.view());
        static_header_lines = "";
    }
    for (auto& [key, existing] : headers)
        if (iequals(key, name)) {
            existing = std::move(value);
            return *this;
        }
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
}

std::optional<std::string_view> http_response::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (iequals(key, name)) return std::string_view(value);
    if (shared_header_lines)
        if (auto found = find_header_line(*shared_header_lines, name)) return found;
    return find_header_line(static_header_lines.view(), name);
}

http_response http_response::json(int status, const nlohmann::json& value) {
    http_response response;
    response.status = status;
    // Replace invalid UTF-8 rather than throw: stored text is given back as it can be.
    response.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    response.set_header("Content-Type", "application/json; charset=utf-8");
    response.set_header("Cache-Control", "no-store");
    return response;
}

http_response http_response::no_content() {
    http_response response;
    response.status = 204;
    response.set_header("Cache-Control", "no-store");
    return response;
}

http_response error_response(int status, std::string_view code, std::string_view message) {
    return http_response::json(status, {{"error", {{"code", code}, {"message", message}}}});
}

}  // namespace festival::server
