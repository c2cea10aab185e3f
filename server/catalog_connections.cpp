#include "server/catalog_connections.hpp"

#include <map>
#include <memory>

namespace festival::server {

catalog::database& catalog_connections::local() {
    // Keyed by path so tests with several servers in one process keep their catalogs apart.
    thread_local std::map<std::string, std::unique_ptr<catalog::database>> connections;
    auto& slot = connections[path_];
    if (!slot) slot = std::make_unique<catalog::database>(path_);
    return *slot;
}

}  // namespace festival::server
