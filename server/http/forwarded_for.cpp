#include "server/http/forwarded_for.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace festival::server {
namespace {

namespace ip = boost::asio::ip;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);
           });
}

std::optional<ip::address> parse_address(std::string_view text) {
    boost::system::error_code ec;
    auto address = ip::make_address(std::string(text), ec);
    if (ec) return std::nullopt;
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return ip::make_address_v4(ip::v4_mapped, address.to_v6());
    return address;
}

// A port is digits, or an obfuscated one ("_abc", RFC 7239 6.3).
bool valid_port(std::string_view port) {
    if (port.empty()) return false;
    if (port.front() == '_')
        return std::all_of(port.begin(), port.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        });
    return port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A hop as proxies write it: "192.0.2.7", "192.0.2.7:4711", "2001:db8::1", "[2001:db8::1]:4711".
std::optional<ip::address> parse_hop(std::string_view hop) {
    hop = trim(hop);
    if (!hop.empty() && hop.front() == '[') {
        const auto close = hop.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        const auto rest = hop.substr(close + 1);
        if (!rest.empty() && (rest.front() != ':' || !valid_port(rest.substr(1)))) return std::nullopt;
        auto address = parse_address(hop.substr(1, close - 1));
        return address && address->is_v6() ? address : std::nullopt;
    }
    if (const auto colon = hop.find(':'); colon != std::string_view::npos && hop.find(':', colon + 1) == std::string_view::npos) {
        if (!valid_port(hop.substr(colon + 1))) return std::nullopt;
        hop = hop.substr(0, colon);  // an IPv4 address and its port
    }
    return parse_address(hop);
}

// The `for=` value of each element of a Forwarded field, in order; an element without one, or a
// value that is badly quoted, is an empty hop (which parses as no address).
std::vector<std::string> forwarded_hops(std::string_view field) {
    std::vector<std::string> hops;
    std::string element_for, value, name;
    bool in_value = false, quoted = false, escaped = false, bad = false;
    auto end_pair = [&] {
        if (iequals(trim(name), "for")) element_for = bad ? std::string() : std::string(trim(value));
        name.clear(), value.clear(), in_value = false, bad = false;
    };
    for (const char c : field) {
        if (quoted) {
            if (escaped) value += c, escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') quoted = false;
            else value += c;
        } else if (c == '"' && in_value) {
            quoted = true;
        } else if (c == '=' && !in_value) {
            in_value = true;
        } else if (c == ';') {
            end_pair();
        } else if (c == ',') {
            end_pair(), hops.push_back(std::move(element_for)), element_for.clear();
        } else {
            (in_value ? value : name) += c;
        }
    }
    bad = bad || quoted;  // a quoted string never closed
    end_pair(), hops.push_back(std::move(element_for));
    return hops;
}

std::vector<std::string> comma_hops(std::string_view field) {
    std::vector<std::string> hops;
    for (std::size_t start = 0;;) {
        const auto comma = field.find(',', start);
        hops.emplace_back(trim(field.substr(start, comma - start)));
        if (comma == std::string_view::npos) return hops;
        start = comma + 1;
    }
}

}  // namespace

trusted_proxies trusted_proxies::parse(std::string_view list) {
    trusted_proxies result;
    result.text_ = std::string(trim(list));
    if (result.text_.empty()) return result;
    for (const auto& entry : comma_hops(list)) {
        const auto bad = [&] {
            return std::invalid_argument("trusted-proxies: '" + entry + "' is no IPv4 or IPv6 address or network");
        };
        network n;
        try {
            if (entry.find('/') != std::string::npos) {
                if (entry.find(':') == std::string::npos) {
                    const auto v4 = ip::make_network_v4(entry).canonical();
                    const auto bytes = v4.network().to_bytes();
                    std::copy(bytes.begin(), bytes.end(), n.bytes.begin());
                    n.v4 = true, n.prefix_bits = v4.prefix_length();
                } else {
                    const auto v6 = ip::make_network_v6(entry).canonical();
                    n.bytes = v6.network().to_bytes();
                    n.prefix_bits = v6.prefix_length();
                }
            } else {
                const auto address = parse_address(entry);
                if (!address) throw bad();
                if (address->is_v4()) {
                    const auto bytes = address->to_v4().to_bytes();
                    std::copy(bytes.begin(), bytes.end(), n.bytes.begin());
                    n.v4 = true, n.prefix_bits = 32;
                } else {
                    n.bytes = address->to_v6().to_bytes();
                    n.prefix_bits = 128;
                }
            }
        } catch (const boost::system::system_error&) {
            throw bad();
        }
        result.networks_.push_back(n);
    }
    return result;
}

bool trusted_proxies::trusts(std::string_view text) const {
    if (networks_.empty()) return false;
    text = trim(text);
    const auto address = parse_address(text.substr(0, text.find('%')));
    if (!address) return false;
    std::array<unsigned char, 16> bytes{};
    if (address->is_v4()) {
        const auto v4 = address->to_v4().to_bytes();
        std::copy(v4.begin(), v4.end(), bytes.begin());
    } else {
        bytes = address->to_v6().to_bytes();
    }
    return std::any_of(networks_.begin(), networks_.end(), [&](const network& n) {
        if (n.v4 != address->is_v4()) return false;
        for (int i = 0; i < n.prefix_bits; i += 8) {
            const int bits = std::min(8, n.prefix_bits - i);
            const auto mask = static_cast<unsigned char>(0xFF00 >> bits);
            if ((bytes[i / 8] & mask) != (n.bytes[i / 8] & mask)) return false;
        }
        return true;
    });
}

std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded,
                           std::optional<std::string_view> x_forwarded_for, const trusted_proxies& trusted) {
    if (!trusted.trusts(peer) || (!forwarded && !x_forwarded_for)) return std::string(peer);
    const auto hops = forwarded ? forwarded_hops(*forwarded) : comma_hops(*x_forwarded_for);
    std::string client(peer);
    for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
        const auto address = parse_hop(*hop);
        if (!address) break;
        client = address->to_string();
        if (!trusted.trusts(client)) break;
    }
    return client;
}

}  // namespace festival::server
