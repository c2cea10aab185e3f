#pragma once
// The key every per-viewer limit counts against: the client's address, with an IPv6 address cut to
// its /64 prefix (one subscriber is handed a whole /64, so counting single IPv6 addresses would give
// one client endless keys). The user agent is never part of it: a client chooses that freely.
#include <string>
#include <string_view>

namespace festival::server {

// "192.0.2.7" for IPv4 (also when written as ::ffff:192.0.2.7), "2001:db8:1:2::/64" for any address
// of that /64; anything that is not an IP address is returned as it is.
std::string viewer_key(std::string_view address);

}  // namespace festival::server
