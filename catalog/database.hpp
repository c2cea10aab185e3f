#pragma once
// RAII over one SQLite connection and its prepared statements. <sqlite3.h> stays inside catalog/.
// One connection per thread; statements must be destroyed before their connection.
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

// A storage failure, carrying SQLite's extended result code. Its kind and code tell the faults a
// caller can wait out apart: "catalog_busy" and "catalog_read_only" (busy), "insufficient_storage"
// (full); anything else is "storage_error".
class database_error : public catalog_error {
public:
    database_error(int extended_code, const std::string& message);
    int extended_code() const noexcept { return extended_code_; }
    // A UNIQUE or PRIMARY KEY constraint refused the write: the key is taken.
    bool is_key_taken() const noexcept;

private:
    int extended_code_;
};

class statement {
public:
    statement(sqlite3* db, std::string_view sql);
    statement(statement&&) noexcept;
    statement& operator=(statement&&) noexcept;
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement();

    // Binding is 1-based like SQLite; each returns *this so calls chain.
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

    // Advances to the next row; false when done. Throws database_error on failure.
    bool step();
    // Runs a statement that yields no rows.
    void run();
    void reset();

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

    sqlite3* db_;
    sqlite3_stmt* stmt_;
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
    // Opens (creating if needed) the file, or ":memory:". Sets WAL, foreign keys and a busy timeout.
    explicit database(const std::string& path);
    database(database&&) noexcept;
    database& operator=(database&&) noexcept;
    database(const database&) = delete;
    database& operator=(const database&) = delete;
    ~database();

    void exec(std::string_view sql);
    statement prepare(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    bool in_transaction() const;
    const std::string& path() const { return path_; }
    // Who is told of this connection's committed write transactions (nullptr: nobody).
    void observe_writes(write_observer* observer) { observer_ = observer; }
    write_observer* writes_observer() const { return observer_; }

private:
    sqlite3* db_ = nullptr;
    std::string path_;
    write_observer* observer_ = nullptr;
};

// Proves the catalog takes writes now: a write transaction that rewrites the schema version with
// its own value and commits (one small WAL frame). Throws database_error when it cannot.
void check_writable(database& db);

// BEGIN IMMEDIATE … COMMIT, rolled back unless commit() is reached. Inside another transaction it
// becomes a savepoint, so catalog calls compose into one atomic unit (e.g. a bulk import).
class transaction {
public:
    explicit transaction(database& db);
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
