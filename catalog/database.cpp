#include "catalog/database.hpp"

#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace festival::catalog {
namespace {

error_kind kind_of(int extended_code) {
    switch (extended_code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_READONLY: return error_kind::busy;
        case SQLITE_FULL: return error_kind::full;
        default: return error_kind::storage;
    }
}

std::string code_of(int extended_code) {
    switch (extended_code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return "catalog_busy";
        case SQLITE_READONLY: return "catalog_read_only";
        case SQLITE_FULL: return "insufficient_storage";
        default: return "storage_error";
    }
}

[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what) {
    const int extended = db ? sqlite3_extended_errcode(db) : rc;
    std::string message(what);
    message += ": ";
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw database_error(extended, message);
}

}  // namespace

database_error::database_error(int extended_code, const std::string& message)
    : catalog_error(kind_of(extended_code), code_of(extended_code), message), extended_code_(extended_code) {}

bool database_error::is_key_taken() const noexcept {
    return extended_code_ == SQLITE_CONSTRAINT_UNIQUE || extended_code_ == SQLITE_CONSTRAINT_PRIMARYKEY;
}

statement::statement(sqlite3* db, std::string_view sql) : db_(db), stmt_(nullptr) {
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db, rc, "prepare");
}

statement::statement(statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

statement& statement::operator=(statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        db_ = other.db_;
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement& statement::bind(int index, std::int64_t value) {
    if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

statement& statement::bind(int index, double value) {
    if (const int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

statement& statement::bind(int index, std::string_view value) {
    const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

statement& statement::bind_null(int index) {
    if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

bool statement::step() {
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
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int statement::parameter_index(std::string_view name) const {
    const int index = sqlite3_bind_parameter_index(stmt_, std::string(name).c_str());
    if (index == 0) throw std::logic_error("no SQL parameter " + std::string(name));
    return index;
}

int statement::column_index(std::string_view name) const {
    const int count = sqlite3_column_count(stmt_);
    for (int i = 0; i < count; ++i)
        if (name == sqlite3_column_name(stmt_, i)) return i;
    throw std::logic_error("no SQL column " + std::string(name));
}

bool statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::int64_t statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string statement::text(int column) const {
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
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr); rc != SQLITE_OK) {
        std::string message = "open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        db_ = nullptr;
        throw database_error(rc, message);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA foreign_keys = ON");
    if (path != ":memory:") {
        exec("PRAGMA journal_mode = WAL");
        // FULL: every commit is synced to disk before it returns, so an acknowledged write survives a
        // power loss as well as a crash. (NORMAL would only survive a process crash such as kill -9:
        // a power loss could roll back the last commits.)
        exec("PRAGMA synchronous = FULL");
    }
}

database::database(database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)), observer_(other.observer_) {}

database& database::operator=(database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
        observer_ = other.observer_;
    }
    return *this;
}

database::~database() { sqlite3_close_v2(db_); }

void database::exec(std::string_view sql) {
    std::string copy(sql);
    char* error = nullptr;
    if (const int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &error); rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw database_error(sqlite3_extended_errcode(db_), "exec: " + message);
    }
}

statement database::prepare(std::string_view sql) { return statement(db_, sql); }
std::int64_t database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int database::changes() const { return sqlite3_changes(db_); }
bool database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

transaction::transaction(database& db) : db_(db), nested_(db.in_transaction()) {
    if (!nested_ && db_.writes_observer()) began_ = std::chrono::steady_clock::now();
    db_.exec(nested_ ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
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
    db_.exec(nested_ ? "RELEASE nested" : "COMMIT");
    done_ = true;
    if (!nested_ && db_.writes_observer())
        db_.writes_observer()->write_committed(std::chrono::steady_clock::now() - began_);
}

void check_writable(database& db) {
    transaction tx(db);
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
