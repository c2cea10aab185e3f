#include "catalog/film_embeds.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <nlohmann/json.hpp>

#include "catalog/clock.hpp"
#include "catalog/database.hpp"
#include "catalog/errors.hpp"

namespace festival::catalog {
namespace {

constexpr std::size_t max_sites = 20;
// Longer than any real origin (a DNS name is at most 253 bytes); keeps the embed page's header small.
constexpr std::size_t max_site_bytes = 300;

[[noreturn]] void refuse(std::string_view text, const std::string& why) {
    // The entry is quoted as typed (cut short) so a curator finds it in the list.
    const auto shown = text.size() > 80 ? std::string(text.substr(0, 80)) + "…" : std::string(text);
    throw invalid("invalid_site", "\"" + shown + "\" is not a site: " + why +
                                      " (write an origin such as https://partner.example)");
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool is_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
}

// A DNS name or IPv4 address: dot-separated labels of letters, digits and inner hyphens. Only these
// characters may reach the Content-Security-Policy header, so nothing here can end a directive.
bool valid_host_name(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    std::size_t label_start = 0;
    for (std::size_t i = 0; i <= host.size(); ++i) {
        if (i < host.size() && host[i] != '.') {
            if (!is_host_char(host[i])) return false;
            continue;
        }
        const auto label = host.substr(label_start, i - label_start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        label_start = i + 1;
    }
    return true;
}

// "[::1]": hex digits, colons and dots (an embedded IPv4) between brackets.
bool valid_ipv6_literal(std::string_view host) {
    if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
    const auto inside = host.substr(1, host.size() - 2);
    if (inside.find(':') == std::string_view::npos) return false;
    return std::all_of(inside.begin(), inside.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
}

std::vector<std::string> sites_from_json(const std::string& text) {
    std::vector<std::string> sites;
    const auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_array()) return sites;
    for (const auto& item : parsed)
        if (item.is_string()) sites.push_back(item.get<std::string>());
    return sites;
}

}  // namespace

std::string normalise_site(const std::string& text) {
    const auto site = trim(text);
    if (site.empty()) refuse(site, "it is empty");
    if (site.size() > max_site_bytes) refuse(site, "it is too long");
    const auto scheme_end = site.find("://");
    if (scheme_end == std::string_view::npos) refuse(site, "it has no http:// or https://");
    const auto scheme = lower(site.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") refuse(site, "only http and https sites can embed a film");

    auto rest = site.substr(scheme_end + 3);
    if (rest.find_first_of("?#") != std::string_view::npos) refuse(site, "a site has no query or fragment");
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        if (slash + 1 != rest.size()) refuse(site, "a site has no path");
        rest = rest.substr(0, slash);
    }
    if (rest.find('@') != std::string_view::npos) refuse(site, "a site has no user name or password");
    if (rest.find('*') != std::string_view::npos) refuse(site, "each site is named in full, without wildcards");

    // The port follows the last colon outside an IPv6 literal's brackets.
    std::string_view host = rest;
    std::string_view port;
    const auto bracket = rest.rfind(']');
    const auto colon = rest.rfind(':');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
            refuse(site, "its port is not a number");
        const auto number = std::stoi(std::string(port));
        if (number < 1 || number > 65535) refuse(site, "its port is out of range");
        port = port.substr(std::min(port.find_first_not_of('0'), port.size()));
    }
    if (host.empty()) refuse(site, "it has no host");
    if (host.front() == '[' ? !valid_ipv6_literal(host) : !valid_host_name(host))
        refuse(site, "its host name has characters a site name cannot have (write international names in their xn-- form)");

    const auto default_port = scheme == "https" ? "443" : "80";
    auto origin = scheme + "://" + lower(host);
    if (!port.empty() && port != default_port) {
        origin += ':';
        origin += port;
    }
    return origin;
}

bool film_embed::allows(const std::string& origin) const {
    if (!enabled || origin.empty()) return false;
    std::string normalised;
    try {
        normalised = normalise_site(origin);
    } catch (const catalog_error&) {
        return false;  // "null" (a sandboxed frame), a file: page, anything that is not an origin
    }
    return std::find(sites.begin(), sites.end(), normalised) != sites.end();
}

film_embed find_film_embed(database& db, std::int64_t film_id) {
    auto st = db.prepare("SELECT enabled, sites, updated_at FROM film_embeds WHERE film_id = :film");
    st.bind(":film", film_id);
    film_embed embed;
    embed.film_id = film_id;
    if (!st.step()) return embed;
    embed.enabled = st.int64("enabled") != 0;
    embed.sites = sites_from_json(st.text("sites"));
    embed.updated_at = st.text("updated_at");
    return embed;
}

film_embed save_film_embed(database& db, std::int64_t film_id, bool enabled, const std::vector<std::string>& sites) {
    film_embed embed;
    embed.film_id = film_id;
    embed.enabled = enabled;
    for (const auto& site : sites) {
        auto normalised = normalise_site(site);
        if (std::find(embed.sites.begin(), embed.sites.end(), normalised) == embed.sites.end())
            embed.sites.push_back(std::move(normalised));
    }
    if (embed.sites.size() > max_sites)
        throw invalid("too_many_sites", "a film can be embedded on at most " + std::to_string(max_sites) + " sites");
    embed.updated_at = utc_now();

    auto st = db.prepare(
        "INSERT INTO film_embeds (film_id, enabled, sites, updated_at) VALUES (:film, :enabled, :sites, :now) "
        "ON CONFLICT (film_id) DO UPDATE SET enabled = excluded.enabled, sites = excluded.sites, "
        "updated_at = excluded.updated_at");
    st.bind(":film", film_id)
        .bind(":enabled", enabled ? 1 : 0)
        .bind(":sites", nlohmann::json(embed.sites).dump())
        .bind(":now", embed.updated_at);
    st.run();
    return embed;
}

}  // namespace festival::catalog
