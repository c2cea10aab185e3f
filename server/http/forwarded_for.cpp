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

// One element of a Forwarded field: its `for=` and `proto=` values. A missing pair, or a value that
// is badly quoted, is empty (an empty hop parses as no address).
struct forwarded_element {
    std::string for_hop;
    std::string proto;
};

std::vector<forwarded_element> forwarded_elements(std::string_view field) {
    std::vector<forwarded_element> elements;
    forwarded_element element;
    std::string value, name;
    bool in_value = false, quoted = false, escaped = false, bad = false;
    auto end_pair = [&] {
        const auto kept = bad ? std::string() : std::string(trim(value));
        if (iequals(trim(name), "for")) element.for_hop = kept;
        if (iequals(trim(name), "proto")) element.proto = kept;
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
            end_pair(), elements.push_back(std::move(element)), element = {};
        } else {
            (in_value ? value : name) += c;
        }
    }
    bad = bad || quoted;  // a quoted string never closed
    end_pair(), elements.push_back(std::move(element));
    return elements;
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

namespace {

// The hop that names the client, walked from the right past trusted proxies: its index, or nullopt
// when even the rightmost hop is no address (the peer is the client then).
struct client_hop {
    std::string address;
    std::optional<std::size_t> index;
};

client_hop walk_hops(std::string_view peer, const std::vector<std::string>& hops, const trusted_proxies& trusted) {
    client_hop found{std::string(peer), std::nullopt};
    for (std::size_t i = hops.size(); i-- > 0;) {
        const auto address = parse_hop(hops[i]);
        if (!address) break;
        found = {address->to_string(), i};
        if (!trusted.trusts(found.address)) break;
    }
    return found;
}

std::vector<std::string> hops_of(const std::vector<forwarded_element>& elements) {
    std::vector<std::string> hops;
    for (const auto& e : elements) hops.push_back(e.for_hop);
    return hops;
}

// A scheme a proxy names: true for "https", false for anything else, nullopt when it named none.
std::optional<bool> names_https(std::string_view proto) {
    proto = trim(proto);
    if (proto.empty()) return std::nullopt;
    return iequals(proto, "https");
}

}  // namespace

std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded,
                           std::optional<std::string_view> x_forwarded_for, const trusted_proxies& trusted) {
    return resolve_client(peer, forwarded, x_forwarded_for, std::nullopt, trusted).address;
}

forwarded_client resolve_client(std::string_view peer, std::optional<std::string_view> forwarded,
                                std::optional<std::string_view> x_forwarded_for,
                                std::optional<std::string_view> x_forwarded_proto, const trusted_proxies& trusted) {
    if (!trusted.trusts(peer)) return {std::string(peer), false};
    if (forwarded) {
        const auto elements = forwarded_elements(*forwarded);
        auto client = walk_hops(peer, hops_of(elements), trusted);
        const auto& element = elements[client.index.value_or(elements.size() - 1)];
        return {std::move(client.address), names_https(element.proto).value_or(true)};
    }
    forwarded_client result{std::string(peer), true};
    std::optional<std::size_t> index;
    std::size_t hop_count = 0;
    if (x_forwarded_for) {
        const auto hops = comma_hops(*x_forwarded_for);
        auto client = walk_hops(peer, hops, trusted);
        result.address = std::move(client.address);
        index = client.index;
        hop_count = hops.size();
    }
    if (x_forwarded_proto) {
        const auto protos = comma_hops(*x_forwarded_proto);
        const bool one_per_hop = index && protos.size() == hop_count;
        result.https = names_https(protos[one_per_hop ? *index : protos.size() - 1]).value_or(true);
    }
    return result;
}

}  // namespace festival::server
