#include "catalog/database.hpp"

#include <sqlite3.h>

#include <charconv>
#include <stdexcept>
#include <string>
#include <utility>

#include "catalog/postgresql_connection.hpp"
#include "catalog/sqlite_connection.hpp"

namespace festival::catalog {
namespace {

std::string number_text(double value) {
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return error == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

}  // namespace

database_error::database_error(int extended_code, const std::string& message)
    : catalog_error(sqlite_fault(extended_code).kind, sqlite_fault(extended_code).code, message),
      extended_code_(extended_code) {}

database_error::database_error(error_kind kind, std::string code, std::string sqlstate, const std::string& message)
    : catalog_error(kind, std::move(code), message), sqlstate_(std::move(sqlstate)) {}

database_error database_error::postgresql(const std::string& sqlstate, const std::string& message) {
    const auto fault = postgresql_fault(sqlstate);
    return database_error(fault.kind, fault.code, sqlstate, message);
}

bool database_error::is_key_taken() const noexcept {
    if (!sqlstate_.empty()) return sqlstate_ == "23505";  // unique_violation
    return extended_code_ == SQLITE_CONSTRAINT_UNIQUE || extended_code_ == SQLITE_CONSTRAINT_PRIMARYKEY;
}

statement::statement(sqlite3* db, std::string_view sql) : db_(db), stmt_(nullptr) {
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db, rc, "prepare");
}

statement::statement(std::unique_ptr<postgresql_statement> statement) : pg_(std::move(statement)) {}

statement::statement(statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), pg_(std::move(other.pg_)) {}

statement& statement::operator=(statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        db_ = other.db_;
        stmt_ = std::exchange(other.stmt_, nullptr);
        pg_ = std::move(other.pg_);
    }
    return *this;
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement& statement::bind(int index, std::int64_t value) {
    if (pg_) {
        pg_->bind(index, std::to_string(value));
        return *this;
    }
    if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

statement& statement::bind(int index, double value) {
    if (pg_) {
        pg_->bind(index, number_text(value));
        return *this;
    }
    if (const int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

statement& statement::bind(int index, std::string_view value) {
    if (pg_) {
        pg_->bind(index, std::string(value));
        return *this;
    }
    const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

statement& statement::bind_null(int index) {
    if (pg_) {
        pg_->bind_null(index);
        return *this;
    }
    if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

bool statement::step() {
    if (pg_) return pg_->step();
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_sqlite(db_, rc, "step");
}

void statement::run() {
    while (step()) {
    }
}

void statement::reset() {
    if (pg_) return pg_->reset();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int statement::parameter_index(std::string_view name) const {
    if (pg_) return pg_->parameter_index(name);
    const int index = sqlite3_bind_parameter_index(stmt_, std::string(name).c_str());
    if (index == 0) throw std::logic_error("no SQL parameter " + std::string(name));
    return index;
}

int statement::column_index(std::string_view name) const {
    if (pg_) return pg_->column_index(name);
    const int count = sqlite3_column_count(stmt_);
    for (int i = 0; i < count; ++i)
        if (name == sqlite3_column_name(stmt_, i)) return i;
    throw std::logic_error("no SQL column " + std::string(name));
}

bool statement::is_null(int column) const {
    return pg_ ? pg_->is_null(column) : sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}
std::int64_t statement::int64(int column) const { return pg_ ? pg_->int64(column) : sqlite3_column_int64(stmt_, column); }
double statement::real(int column) const { return pg_ ? pg_->real(column) : sqlite3_column_double(stmt_, column); }

std::string statement::text(int column) const {
    if (pg_) return pg_->text(column);
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

std::optional<std::string> statement::optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
}

std::optional<std::int64_t> statement::optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return int64(column);
}

database::database(const std::string& path) : path_(path) {
    if (is_postgresql_location(path)) {
        pg_ = std::make_unique<postgresql_connection>(path);
        return;
    }
    db_ = open_sqlite(path);
}

database::database(database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      pg_(std::move(other.pg_)),
      path_(std::move(other.path_)),
      observer_(other.observer_) {}

database& database::operator=(database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
        pg_ = std::move(other.pg_);
        path_ = std::move(other.path_);
        observer_ = other.observer_;
    }
    return *this;
}

database::~database() { sqlite3_close_v2(db_); }

void database::exec(std::string_view sql) {
    if (pg_) return pg_->exec(sql);
    exec_sqlite(db_, sql);
}

statement database::prepare(std::string_view sql) {
    if (pg_) return statement(std::make_unique<postgresql_statement>(*pg_, pg_->prepare(sql)));
    return statement(db_, sql);
}

std::int64_t database::last_insert_rowid() const {
    if (pg_) throw std::logic_error("last_insert_rowid on PostgreSQL: use INSERT … RETURNING id");
    return sqlite3_last_insert_rowid(db_);
}

int database::changes() const { return pg_ ? pg_->changes() : sqlite3_changes(db_); }
bool database::in_transaction() const { return pg_ ? pg_->in_transaction() : sqlite3_get_autocommit(db_) == 0; }

namespace {
// The one catalog write lock on PostgreSQL: a transaction-scoped advisory lock on this key
// ("festival" in ASCII), taken by every `write_lock::catalog` transaction of every node.
constexpr const char* begin_with_catalog_lock = "BEGIN; SELECT pg_advisory_xact_lock(7378430508339192172)";
}  // namespace

transaction::transaction(database& db, write_lock lock) : db_(db), nested_(db.in_transaction()) {
    if (!nested_ && db_.writes_observer()) began_ = std::chrono::steady_clock::now();
    if (nested_) {
        db_.exec("SAVEPOINT nested");
    } else if (!db_.pg_) {
        db_.exec("BEGIN IMMEDIATE");
    } else {
        try {
            db_.exec(lock == write_lock::catalog ? begin_with_catalog_lock : "BEGIN");
        } catch (...) {
            // The lock was not had (a lock timeout): the transaction BEGIN opened is not this one's.
            if (db_.in_transaction()) {
                try {
                    db_.exec("ROLLBACK");
                } catch (...) {
                }
            }
            throw;
        }
    }
}

transaction::~transaction() {
    if (!done_) {
        try {
            db_.exec(nested_ ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
        } catch (...) {
        }
    }
}

void transaction::commit() {
    if (db_.pg_ && !nested_) {
        // COMMIT of a spoiled transaction answers ROLLBACK, not an error; and with its connection lost
        // there is nothing left to commit. Neither may pass for a commit.
        if (db_.pg_->transaction_failed())
            throw database_error::postgresql("25P02", "commit: an earlier statement failed, the transaction is rolled back");
        if (!db_.pg_->in_transaction())
            throw database_error::postgresql("08006", "commit: the transaction was lost with its connection");
    }
    db_.exec(nested_ ? "RELEASE nested" : "COMMIT");
    done_ = true;
    if (!nested_ && db_.writes_observer())
        db_.writes_observer()->write_committed(std::chrono::steady_clock::now() - began_);
}

void check_writable(database& db) {
    transaction tx(db);
    if (db.dialect() == sql_dialect::postgresql) {
        db.exec("UPDATE schema_version SET version = version");
        tx.commit();
        return;
    }
    std::int64_t version = 0;
    {
        auto read = db.prepare("PRAGMA user_version");
        read.step();
        version = read.int64(0);
    }
    db.exec("PRAGMA user_version = " + std::to_string(version));
    tx.commit();
}

}  // namespace festival::catalog
