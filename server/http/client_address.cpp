#include "server/http/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace festival::server {
namespace {

void keep_bits(unsigned char* bytes, int size, int bits) {
    for (int i = 0; i < size; ++i) {
        const int kept = std::clamp(bits - 8 * i, 0, 8);
        bytes[i] &= static_cast<unsigned char>(0xFF00 >> kept);
    }
}

}  // namespace

std::string address_prefix(std::string_view address, int v4_bits, int v6_bits) {
    char text[INET6_ADDRSTRLEN] = {};
    // A link-local address may carry its zone ("fe80::1%eth0"): the zone names no other network.
    const std::string terminated(address.substr(0, std::min(address.find('%'), std::size_t{INET6_ADDRSTRLEN})));
    unsigned char bytes[16] = {};
    if (::inet_pton(AF_INET, terminated.c_str(), bytes) == 1) {
        keep_bits(bytes, 4, v4_bits);
        return ::inet_ntop(AF_INET, bytes, text, sizeof text);
    }
    if (::inet_pton(AF_INET6, terminated.c_str(), bytes) != 1) return "-";
    static constexpr unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(bytes, v4_mapped, sizeof v4_mapped) == 0) {
        keep_bits(bytes + 12, 4, v4_bits);
        return ::inet_ntop(AF_INET, bytes + 12, text, sizeof text);
    }
    keep_bits(bytes, 16, v6_bits);
    return ::inet_ntop(AF_INET6, bytes, text, sizeof text);
}

}  // namespace festival::server
