#pragma once
// The SQLite engine behind catalog::database: opening a file with the festival's settings, running a
// script, and SQLite's result codes as the catalog's storage faults. <sqlite3.h> stays in the .cpp.
#include <string>
#include <string_view>

struct sqlite3;

namespace festival::catalog {

struct storage_fault;

// Opens (creating if needed) `path`, or ":memory:", with extended result codes, a 5 s busy timeout,
// foreign keys, WAL and synchronous=FULL. Throws database_error.
sqlite3* open_sqlite(const std::string& path);
// Runs a script of statements without parameters. Throws database_error.
void exec_sqlite(sqlite3* db, std::string_view sql);
// Throws database_error for a failed call (`rc`), with the connection's message when there is one.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what);
// What an extended result code means to callers: busy, read-only, full, or another storage error.
storage_fault sqlite_fault(int extended_code);

}  // namespace festival::catalog
