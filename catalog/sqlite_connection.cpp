#include "catalog/sqlite_connection.hpp"

#include <sqlite3.h>

#include "catalog/database.hpp"

namespace festival::catalog {

storage_fault sqlite_fault(int extended_code) {
    switch (extended_code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return {error_kind::busy, "catalog_busy"};
        case SQLITE_READONLY: return {error_kind::busy, "catalog_read_only"};
        case SQLITE_FULL: return {error_kind::full, "insufficient_storage"};
        default: return {error_kind::storage, "storage_error"};
    }
}

[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what) {
    const int extended = db ? sqlite3_extended_errcode(db) : rc;
    std::string message(what);
    message += ": ";
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw database_error(extended, message);
}

void exec_sqlite(sqlite3* db, std::string_view sql) {
    std::string copy(sql);
    char* error = nullptr;
    if (const int rc = sqlite3_exec(db, copy.c_str(), nullptr, nullptr, &error); rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw database_error(sqlite3_extended_errcode(db), "exec: " + message);
    }
}

sqlite3* open_sqlite(const std::string& path) {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr); rc != SQLITE_OK) {
        std::string message = "open " + path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        throw database_error(rc, message);
    }
    try {
        sqlite3_extended_result_codes(db, 1);
        sqlite3_busy_timeout(db, 5000);
        exec_sqlite(db, "PRAGMA foreign_keys = ON");
        if (path != ":memory:") {
            exec_sqlite(db, "PRAGMA journal_mode = WAL");
            // FULL: every commit is synced to disk before it returns, so an acknowledged write survives a
            // power loss as well as a crash. (NORMAL would only survive a process crash such as kill -9:
            // a power loss could roll back the last commits.)
            exec_sqlite(db, "PRAGMA synchronous = FULL");
        }
    } catch (...) {
        sqlite3_close(db);
        throw;
    }
    return db;
}

}  // namespace festival::catalog
