#pragma once
// The PostgreSQL engine behind catalog::database (libpq; <libpq-fe.h> stays in the .cpp). Every
// statement is prepared once per connection, cached by its SQL text, and run with text parameters and
// text results, so the catalog's SQL (SQLite placeholders `?N` and `:name`) and its row readers serve
// both engines unchanged.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace festival::catalog {

struct storage_fault;

// A libpq URL (`postgresql://…` or `postgres://…`) rather than a SQLite file.
bool is_postgresql_location(std::string_view location);

// The URL libpq is given: `application_name=festival` added when absent, so the server's
// pg_stat_activity tells the festival's connections apart.
std::string with_application_name(std::string_view url);

// What a SQLSTATE means to callers, as SQLite's result codes do: 40001, 40P01, 55P03, 57014 busy;
// 25006 read-only (busy); 53100 full; class 08 and 57P01-57P03 unavailable (busy); else storage.
storage_fault postgresql_fault(std::string_view sqlstate);

// SQLite's placeholders as PostgreSQL's: `?N` → `$N`, a bare `?` → the next number, `:name` → `$k`
// (the same name the same k, numbered as SQLite numbers it). String literals, quoted names, comments
// and `::` casts are left alone.
struct translated_sql {
    std::string text;
    // names[k-1] is the `:name` that became `$k` ("" for a numbered one).
    std::vector<std::string> names;
};
translated_sql translate_placeholders(std::string_view sql);

struct pg_conn_closer {
    void operator()(pg_conn* conn) const noexcept;
};
struct pg_result_clearer {
    void operator()(pg_result* result) const noexcept;
};
using pg_connection_handle = std::unique_ptr<pg_conn, pg_conn_closer>;
using pg_result_handle = std::unique_ptr<pg_result, pg_result_clearer>;

// A statement the server has prepared on this connection (named "s<n>").
struct prepared_sql {
    std::string name;
    translated_sql sql;
    std::uint64_t generation = 0;  // the connection's generation it was prepared in
};

class postgresql_connection {
public:
    explicit postgresql_connection(const std::string& url);

    // The cached statement for `sql`, prepared on the server if it is new (or the connection was reset).
    // The reference stays valid for the connection's lifetime.
    const prepared_sql& prepare(std::string_view sql);
    // Runs a prepared statement with text parameters (nullopt: NULL). Throws database_error.
    pg_result_handle execute(const prepared_sql& statement, const std::vector<std::optional<std::string>>& parameters);
    // Runs a script of statements without parameters (one round trip).
    void exec(std::string_view script);

    int changes() const { return changes_; }
    bool in_transaction() const;
    // Inside a transaction an earlier statement failed: PostgreSQL refuses everything but a rollback.
    bool transaction_failed() const;

private:
    void ensure_connected();
    void prepare_on_server(prepared_sql& statement);
    void note_changes(pg_result* result);

    pg_connection_handle conn_;
    std::unordered_map<std::string, std::unique_ptr<prepared_sql>> cache_;
    std::uint64_t generation_ = 1;
    int changes_ = 0;
};

// One statement's parameters and, once stepped, its whole result, walked row by row.
class postgresql_statement {
public:
    postgresql_statement(postgresql_connection& connection, const prepared_sql& prepared);

    void bind(int index, std::string value);
    void bind_null(int index);
    bool step();
    void reset();

    int parameter_index(std::string_view name) const;
    int column_index(std::string_view name) const;
    bool is_null(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;

private:
    const char* value(int column) const;

    postgresql_connection& connection_;
    const prepared_sql& prepared_;
    std::vector<std::optional<std::string>> parameters_;
    pg_result_handle result_;
    int row_ = -1;
};

}  // namespace festival::catalog
