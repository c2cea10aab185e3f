#pragma once
// Versioned migrations keyed on PRAGMA user_version (SQLite) or the one row of schema_version
// (PostgreSQL). Each step runs once, in its own transaction.
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

namespace festival::catalog {


// One schema change in each engine's SQL. Steps from before PostgreSQL was supported have no
// PostgreSQL text: that catalog starts from a baseline equal to their result (docs/scaling.md).
struct migration_step {
    std::string_view sqlite;
    std::string_view postgresql;
};

// The ordered list of migration steps; step N brings the schema version from N to N+1.
const std::vector<migration_step>& migrations();

// Applies every migration the database has not seen yet. Returns the resulting schema version.
int migrate(database& db);

// Opens a connection and migrates it: what every process does first.
database open_catalog(const std::string& path);

}  // namespace festival::catalog
