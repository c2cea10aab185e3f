#include "tests/support/test_catalog.hpp"

#include <cstdlib>
#include <stdexcept>

#include "catalog/schema.hpp"

namespace festival::test {
namespace {

const char* postgresql_server() {
    const char* url = std::getenv("FESTIVAL_TEST_POSTGRESQL");
    return url && *url ? url : nullptr;
}

std::string new_postgresql_schema() {
    throw std::logic_error("FESTIVAL_TEST_POSTGRESQL is set but this build has no PostgreSQL catalog");
}

}  // namespace

bool catalog_is_postgresql() { return postgresql_server() != nullptr; }

std::string fresh_catalog_location(const std::filesystem::path& dir) {
    return catalog_is_postgresql() ? new_postgresql_schema() : (dir / "catalog.db").string();
}

std::string fresh_catalog_location() { return catalog_is_postgresql() ? new_postgresql_schema() : ":memory:"; }

catalog::database open_fresh_catalog(const std::filesystem::path& dir) {
    return catalog::open_catalog(fresh_catalog_location(dir));
}

catalog::database open_fresh_catalog() { return catalog::open_catalog(fresh_catalog_location()); }

}  // namespace festival::test
