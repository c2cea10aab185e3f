#pragma once
// Where a test's catalog lives. The suites run on both engines: a SQLite file (or memory) by default,
// and, when FESTIVAL_TEST_POSTGRESQL names a throwaway PostgreSQL server (scripts/test), a brand-new
// empty schema there for every call, so tests never see each other's rows.
#include <filesystem>
#include <string>

#include "catalog/database.hpp"

// A test about SQLite itself says so and is skipped on PostgreSQL by its decorator:
//   TEST_CASE("…" * doctest::skip(festival::test::catalog_is_postgresql()))
// A PostgreSQL-only test returns at its start when catalog_is_postgresql() is false instead: CTest
// lists the tests at build time, on SQLite, and never learns of a case skipped there.
namespace festival::test {

// True when the suites run against PostgreSQL (FESTIVAL_TEST_POSTGRESQL is set).
bool catalog_is_postgresql();
// `dir`/catalog.db, or a PostgreSQL URL naming a new schema.
std::string fresh_catalog_location(const std::filesystem::path& dir);
// ":memory:", or a PostgreSQL URL naming a new schema.
std::string fresh_catalog_location();
// The catalog of the festival whose data folder is `data_dir`, the same each time it is asked, so a
// server restarted on the folder, and the commands run on it (`festival user add`), find it again:
// a schema made at the first call on PostgreSQL, `data_dir`/catalog.db on SQLite. Test servers are
// given it as --catalog on PostgreSQL (on SQLite they use their default, the same file).
std::string catalog_location_of(const std::filesystem::path& data_dir);
// The same, opened and migrated.
catalog::database open_fresh_catalog(const std::filesystem::path& dir);
catalog::database open_fresh_catalog();

}  // namespace festival::test
