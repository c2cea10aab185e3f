#pragma once
// Where a test's catalog lives. The suites run on both engines: a SQLite file (or memory) by default,
// and, when FESTIVAL_TEST_POSTGRESQL names a throwaway PostgreSQL server (scripts/test), a brand-new
// empty schema there for every call, so tests never see each other's rows.
#include <filesystem>
#include <string>

#include "catalog/database.hpp"

namespace festival::test {

// True when the suites run against PostgreSQL (FESTIVAL_TEST_POSTGRESQL is set).
bool catalog_is_postgresql();
// `dir`/catalog.db, or a PostgreSQL URL naming a new schema.
std::string fresh_catalog_location(const std::filesystem::path& dir);
// ":memory:", or a PostgreSQL URL naming a new schema.
std::string fresh_catalog_location();
// The same, opened and migrated.
catalog::database open_fresh_catalog(const std::filesystem::path& dir);
catalog::database open_fresh_catalog();

}  // namespace festival::test
