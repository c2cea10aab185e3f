#pragma once
// What the server keeps of a client's address: the network it belongs to, never more than a rule
// needs (rate limits tell networks apart; the access log keeps a coarser prefix still).
#include <string>
#include <string_view>

namespace festival::server {

// The first `v4_bits` of an IPv4 address, or `v6_bits` of an IPv6 one, the rest zeroed, as text:
// ("203.0.113.7", 24, 48) → "203.0.113.0"; ("2001:db8:1:2::5", 24, 48) → "2001:db8:1::".
// An IPv4-mapped IPv6 address counts as IPv4. Text that is no address comes back as "-".
std::string address_prefix(std::string_view address, int v4_bits, int v6_bits);

// The key per-network limits count under: a whole IPv4 address, an IPv6 /64 (what one subscriber
// is usually given, so rotating addresses inside it does not escape a limit).
inline std::string client_network(std::string_view address) { return address_prefix(address, 32, 64); }

}  // namespace festival::server
