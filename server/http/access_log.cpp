#include "server/http/access_log.hpp"

#include "server/http/client_address.hpp"

namespace festival::server {

std::string address_for_log(std::string_view address) { return address_prefix(address, 24, 48); }

std::string path_for_log(std::string_view path) {
    static constexpr std::string_view plays = "/api/plays/";
    if (path.substr(0, plays.size()) != plays) return std::string(path);
    const auto rest = path.substr(plays.size());
    const auto slash = rest.find('/');
    return std::string(plays) + "-" + std::string(slash == std::string_view::npos ? "" : rest.substr(slash));
}

}  // namespace festival::server
