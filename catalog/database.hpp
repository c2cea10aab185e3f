#pragma once
// RAII over one catalog connection and its prepared statements, on either engine: an embedded SQLite
// file (the default; catalog/sqlite_connection) or a PostgreSQL server shared by several nodes
// (catalog/postgresql_connection).
// <sqlite3.h> and <libpq-fe.h> stay inside catalog/. One connection per thread; statements must be
// destroyed before their connection.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/errors.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace festival::catalog {

class postgresql_connection;
class postgresql_statement;

// Which SQL a connection speaks, for the few statements that must differ (full-text search, backup).
enum class sql_dialect { sqlite, postgresql };

// What a failure of either engine means to callers: its kind, and the code the API answers with.
struct storage_fault {
    error_kind kind;
    const char* code;
};

// A storage failure, carrying SQLite's extended result code or PostgreSQL's SQLSTATE. Its kind and
// code tell the faults a caller can wait out apart: "catalog_busy" and "catalog_read_only" (busy),
// "catalog_unavailable" (busy: the PostgreSQL server is unreachable), "insufficient_storage" (full);
// anything else is "storage_error".
class database_error : public catalog_error {
public:
    database_error(int extended_code, const std::string& message);
    // From PostgreSQL: 23505 → key taken; 40001, 40P01, 55P03, 57014 → busy; 25006 → read-only;
    // 53100 → full; class 08 and 57P01-57P03 → unavailable.
    static database_error postgresql(const std::string& sqlstate, const std::string& message);
    // SQLite's extended result code (0 on PostgreSQL).
    int extended_code() const noexcept { return extended_code_; }
    // PostgreSQL's SQLSTATE ("" on SQLite).
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    // A UNIQUE or PRIMARY KEY constraint refused the write: the key is taken.
    bool is_key_taken() const noexcept;

private:
    database_error(error_kind kind, std::string code, std::string sqlstate, const std::string& message);
    int extended_code_ = 0;
    std::string sqlstate_;
};

class statement {
public:
    statement(sqlite3* db, std::string_view sql);
    explicit statement(std::unique_ptr<postgresql_statement> statement);
    statement(statement&&) noexcept;
    statement& operator=(statement&&) noexcept;
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement();

    // Binding is 1-based like SQLite; each returns *this so calls chain. On PostgreSQL every value is
    // sent as text and typed by the server from where the placeholder stands.
    statement& bind(int index, std::int64_t value);
    statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    statement& bind(int index, double value);
    statement& bind(int index, std::string_view value);
    statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
    statement& bind_null(int index);
    template <class T>
    statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }
    // Binds a named parameter (":slug"), so a statement's binds read as its SQL does.
    template <class T>
    statement& bind(std::string_view name, const T& value) {
        return bind(parameter_index(name), value);
    }

    // Advances to the next row; false when done. Throws database_error on failure. On PostgreSQL the
    // first step runs the statement and fetches every row.
    bool step();
    // Runs a statement that yields no rows.
    void run();
    void reset();

    // On PostgreSQL the text results are read as SQLite's would be: booleans 't'/'f' → 1/0, a
    // NUMERIC with a fraction truncated by int64(), NULL → 0 or "".
    bool is_null(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::optional<std::string> optional_text(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;
    // The same by column name, so a row is read by the names its SELECT lists, never by position.
    bool is_null(std::string_view column) const { return is_null(column_index(column)); }
    std::int64_t int64(std::string_view column) const { return int64(column_index(column)); }
    double real(std::string_view column) const { return real(column_index(column)); }
    std::string text(std::string_view column) const { return text(column_index(column)); }
    std::optional<std::string> optional_text(std::string_view column) const {
        return optional_text(column_index(column));
    }
    std::optional<std::int64_t> optional_int64(std::string_view column) const {
        return optional_int64(column_index(column));
    }

private:
    // Both throw std::logic_error for a name the statement does not have: a bug, not a storage fault.
    int parameter_index(std::string_view name) const;
    int column_index(std::string_view name) const;

    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    std::unique_ptr<postgresql_statement> pg_;  // set on PostgreSQL
};

// Told how long each outermost write transaction took, BEGIN IMMEDIATE to COMMIT (the server's
// metrics); called on the writing thread, so it must be cheap and thread-safe.
class write_observer {
public:
    virtual ~write_observer() = default;
    virtual void write_committed(std::chrono::nanoseconds took) noexcept = 0;
};

class database {
public:
    // A `postgresql://…` or `postgres://…` URL connects to that server (a lock wait is "busy" after
    // 5 s, like SQLite's busy timeout). Anything else opens (creating if needed) that SQLite file, or
    // ":memory:", with WAL, foreign keys and a busy timeout.
    explicit database(const std::string& location);
    database(database&&) noexcept;
    database& operator=(database&&) noexcept;
    database(const database&) = delete;
    database& operator=(const database&) = delete;
    ~database();

    sql_dialect dialect() const { return pg_ ? sql_dialect::postgresql : sql_dialect::sqlite; }
    // Runs one statement or a script of several, without parameters.
    void exec(std::string_view sql);
    // On PostgreSQL each SQL text is prepared once per connection and reused after.
    statement prepare(std::string_view sql);
    // SQLite only (throws std::logic_error on PostgreSQL): use `INSERT … RETURNING id`.
    std::int64_t last_insert_rowid() const;
    int changes() const;
    bool in_transaction() const;
    // The SQLite file or the PostgreSQL URL it was opened with.
    const std::string& path() const { return path_; }
    // Who is told of this connection's committed write transactions (nullptr: nobody).
    void observe_writes(write_observer* observer) { observer_ = observer; }
    write_observer* writes_observer() const { return observer_; }

private:
    friend class transaction;
    sqlite3* db_ = nullptr;
    std::unique_ptr<postgresql_connection> pg_;  // set on PostgreSQL
    std::string path_;
    write_observer* observer_ = nullptr;
};

// Proves the catalog takes writes now: a write transaction that rewrites the schema version with
// its own value and commits (one small WAL frame on SQLite). Throws database_error when it cannot.
void check_writable(database& db);

// What a PostgreSQL write transaction locks besides its rows.
//  - `catalog` (the default): the one catalog write lock (a transaction-scoped advisory lock), so
//    write transactions run one at a time across every node, exactly as SQLite's BEGIN IMMEDIATE
//    runs them one at a time: invariants checked by reading then writing (a view cap, a job claim,
//    a slug) hold without further thought.
//  - `rows`: no catalog lock, only the row locks the statements take (PostgreSQL's READ COMMITTED).
//    For hot writes that are correct under concurrency by themselves: single-statement upserts
//    (`ON CONFLICT … DO UPDATE SET n = n + excluded.n`), claims with `FOR UPDATE SKIP LOCKED`. They
//    then run in parallel with each other and with `catalog` transactions. Same as `catalog` on SQLite.
enum class write_lock { catalog, rows };

// BEGIN IMMEDIATE … COMMIT (PostgreSQL: BEGIN, the catalog lock unless `rows`, COMMIT), rolled back
// unless commit() is reached. Inside another transaction it becomes a savepoint, so catalog calls
// compose into one atomic unit (e.g. a bulk import). On PostgreSQL a failed statement spoils its whole
// transaction (SQLite undoes only the statement): a failure the caller means to survive (a key taken)
// goes inside a nested transaction, whose savepoint it rolls back; commit() throws if the transaction
// was spoiled rather than letting COMMIT quietly roll it back.
class transaction {
public:
    explicit transaction(database& db, write_lock lock = write_lock::catalog);
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    ~transaction();
    void commit();

private:
    database& db_;
    bool nested_ = false;
    bool done_ = false;
    std::chrono::steady_clock::time_point began_;  // when observed
};

}  // namespace festival::catalog
