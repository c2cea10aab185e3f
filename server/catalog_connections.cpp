#include "server/catalog_connections.hpp"

#include <map>
#include <memory>

namespace festival::server {

catalog::database& catalog_connections::local() {
    // Keyed by path so tests with several servers in one process keep their catalogs apart.
    thread_local std::map<std::string, std::unique_ptr<catalog::database>> connections;
    auto& slot = connections[path_];
    if (!slot) slot = std::make_unique<catalog::database>(path_);
    // Set on every call: a later server on the same path (tests) brings its own observer.
    slot->observe_writes(writes_);
    return *slot;
}

}  // namespace festival::server
