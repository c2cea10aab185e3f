#pragma once
// The client's true address behind reverse proxies: `Forwarded` (RFC 7239) and `X-Forwarded-For`
// are believed only from proxies the festival was told to trust (the `trusted-proxies` setting).
// Resolved once per request, in the HTTP core; everything else reads request.remote_address.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace festival::server {

// The networks whose forwarding headers are believed. Empty (the default) trusts nobody.
class trusted_proxies {
public:
    trusted_proxies() = default;
    // "127.0.0.1, 10.0.0.0/8, ::1, 2001:db8::/32"; throws std::invalid_argument naming a bad entry.
    static trusted_proxies parse(std::string_view list);

    bool empty() const { return networks_.empty(); }
    // An IPv4-mapped IPv6 address counts as IPv4. Text that is no address is never trusted.
    bool trusts(std::string_view address) const;
    // As it was given, for the settings shown at start-up.
    const std::string& text() const { return text_; }

private:
    struct network {
        std::array<unsigned char, 16> bytes{};  // IPv4 in the first 4
        bool v4 = false;
        int prefix_bits = 0;
    };
    std::vector<network> networks_;
    std::string text_;
};

// The address to count the request under. From an untrusted peer: the peer, the headers ignored.
// From a trusted one: the hops of `Forwarded` (preferred when present) or else `X-Forwarded-For`,
// walked from the right past trusted proxies to the first untrusted hop (every hop trusted: the
// leftmost). A hop that is no address (`unknown`, an obfuscated name, garbage) ends the walk at the
// last address that was good. Each header's repeated fields come joined with ", ".
std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded,
                           std::optional<std::string_view> x_forwarded_for, const trusted_proxies& trusted);

// The client as a trusted proxy describes it: its address (as client_address) and whether it came
// over HTTPS. The festival speaks no TLS itself, so a request from an untrusted peer came over plain
// HTTP. From a trusted one the scheme is the `proto` of the Forwarded element that named the client
// (else of its last element), or else X-Forwarded-Proto's value at the same hop when the proxies
// appended one per hop (else its last value, the one the peer set). A trusted proxy that names no
// scheme is taken to have terminated TLS: it cannot be told apart, and redirecting would loop.
struct forwarded_client {
    std::string address;
    bool https = false;
};
forwarded_client resolve_client(std::string_view peer, std::optional<std::string_view> forwarded,
                                std::optional<std::string_view> x_forwarded_for,
                                std::optional<std::string_view> x_forwarded_proto, const trusted_proxies& trusted);

}  // namespace festival::server
