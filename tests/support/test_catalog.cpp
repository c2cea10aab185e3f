#include "tests/support/test_catalog.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>

#include "catalog/schema.hpp"

namespace festival::test {
namespace {

const char* postgresql_server() {
    const char* url = std::getenv("FESTIVAL_TEST_POSTGRESQL");
    return url && *url ? url : nullptr;
}

std::string with_parameter(std::string url, const std::string& parameter) {
    url += url.find('?') == std::string::npos ? '?' : '&';
    return url + parameter;
}

// A schema no other test (of this process or another running at once) has: pid, a counter and
// randomness, since pids come back.
std::string unique_schema_name() {
    static std::atomic<int> counter{0};
    static const unsigned salt = std::random_device{}();
    return "test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" + std::to_string(salt % 100000);
}

std::string new_postgresql_schema() {
    static std::mutex guard;
    static std::optional<catalog::database> server;
    const std::lock_guard lock(guard);
    if (!server) {
        server.emplace(postgresql_server());
        // Once per cluster, in public where every test schema's search_path finds it; under the
        // catalog lock, as test processes start at once.
        catalog::transaction tx(*server);
        server->exec("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public");
        tx.commit();
    }
    const auto name = unique_schema_name();
    server->exec("CREATE SCHEMA " + name);
    return with_parameter(postgresql_server(), "options=-csearch_path%3D" + name + ",public");
}

}  // namespace

bool catalog_is_postgresql() { return postgresql_server() != nullptr; }

std::string fresh_catalog_location(const std::filesystem::path& dir) {
    return catalog_is_postgresql() ? new_postgresql_schema() : (dir / "catalog.db").string();
}

std::string catalog_location_of(const std::filesystem::path& data_dir) {
    if (!catalog_is_postgresql()) return (data_dir / "catalog.db").string();
    static std::mutex guard;
    static std::map<std::string, std::string> locations;
    const std::string key = data_dir.lexically_normal().string();
    {
        const std::lock_guard lock(guard);
        if (const auto found = locations.find(key); found != locations.end()) return found->second;
    }
    auto location = new_postgresql_schema();
    const std::lock_guard lock(guard);
    return locations.emplace(key, std::move(location)).first->second;
}

std::string fresh_catalog_location() { return catalog_is_postgresql() ? new_postgresql_schema() : ":memory:"; }

catalog::database open_fresh_catalog(const std::filesystem::path& dir) {
    return catalog::open_catalog(fresh_catalog_location(dir));
}

catalog::database open_fresh_catalog() { return catalog::open_catalog(fresh_catalog_location()); }

}  // namespace festival::test
