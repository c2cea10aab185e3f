#include "server/viewer_key.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace festival::server {

std::string viewer_key(std::string_view address) {
    std::string text(address);
    if (const auto zone = text.find('%'); zone != std::string::npos) text.resize(zone);  // fe80::1%eth0
    in_addr v4{};
    char out[INET6_ADDRSTRLEN] = {};
    if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return ::inet_ntop(AF_INET, &v4, out, sizeof out);
    in6_addr v6{};
    if (::inet_pton(AF_INET6, text.c_str(), &v6) != 1) return std::string(address);
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        std::memcpy(&v4, v6.s6_addr + 12, sizeof v4);
        return ::inet_ntop(AF_INET, &v4, out, sizeof out);
    }
    std::memset(v6.s6_addr + 8, 0, 8);  // keep the /64 prefix
    return std::string(::inet_ntop(AF_INET6, &v6, out, sizeof out)) + "/64";
}

}  // namespace festival::server
