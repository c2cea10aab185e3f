#pragma once
// Versioned migrations keyed on PRAGMA user_version. Each step runs once, in its own transaction.
#include <string>
#include <string_view>
#include <vector>

#include "catalog/database.hpp"

namespace festival::catalog {


// The ordered list of migration scripts; step N brings user_version from N to N+1.
const std::vector<std::string_view>& migrations();

// Applies every migration the database has not seen yet. Returns the resulting schema version.
int migrate(database& db);

// Opens a connection and migrates it: what every process does first.
database open_catalog(const std::string& path);

}  // namespace festival::catalog
