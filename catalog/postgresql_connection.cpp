#include "catalog/postgresql_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "catalog/database.hpp"

namespace festival::catalog {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

[[noreturn]] void throw_result_error(pg_result* result, pg_conn* conn, std::string_view what) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* text = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
    std::string message(what);
    message += ": ";
    message += text && *text ? text : PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    // No SQLSTATE: the connection itself failed (class 08, connection exception).
    throw database_error::postgresql(state && *state ? state : "08006", message);
}

pg_result_handle checked(pg_result* raw, pg_conn* conn, std::string_view what) {
    pg_result_handle result(raw);
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw_result_error(result.get(), conn, what);
    return result;
}

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

storage_fault postgresql_fault(std::string_view sqlstate) {
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" || sqlstate == "57014")
        return {error_kind::busy, "catalog_busy"};  // serialization, deadlock, lock timeout, cancelled
    if (sqlstate == "25006") return {error_kind::busy, "catalog_read_only"};  // a standby, or read-only
    if (sqlstate == "53100") return {error_kind::full, "insufficient_storage"};
    if (sqlstate.substr(0, 2) == "08" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03")
        return {error_kind::busy, "catalog_unavailable"};  // connection lost, server shutting down or starting
    return {error_kind::storage, "storage_error"};
}

bool is_postgresql_location(std::string_view location) {
    return starts_with(location, "postgresql://") || starts_with(location, "postgres://");
}

std::string with_application_name(std::string_view url) {
    std::string result(url);
    if (result.find("application_name=") != std::string::npos) return result;
    result += result.find('?') == std::string::npos ? '?' : '&';
    result += "application_name=festival";
    return result;
}

translated_sql translate_placeholders(std::string_view sql) {
    translated_sql out;
    out.text.reserve(sql.size() + 8);
    auto number_for = [&](int k) {
        if (k > static_cast<int>(out.names.size())) out.names.resize(static_cast<std::size_t>(k));
        return k;
    };
    std::size_t i = 0;
    while (i < sql.size()) {
        const char c = sql[i];
        if (c == '\'' || c == '"') {  // a literal or a quoted name, copied whole ('' and "" escape themselves)
            const std::size_t end = sql.find(c, i + 1);
            const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
            out.text.append(sql.substr(i, stop - i));
            i = stop;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            const std::size_t end = sql.find('\n', i);
            const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
            out.text.append(sql.substr(i, stop - i));
            i = stop;
        } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
            const std::size_t end = sql.find("*/", i + 2);
            const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 2;
            out.text.append(sql.substr(i, stop - i));
            i = stop;
        } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
            out.text.append("::");
            i += 2;
        } else if (c == '?') {
            std::size_t j = i + 1;
            while (j < sql.size() && is_digit(sql[j])) ++j;
            int k = static_cast<int>(out.names.size()) + 1;  // a bare `?`: the next number, as in SQLite
            if (j > i + 1) std::from_chars(sql.data() + i + 1, sql.data() + j, k);
            out.text += '$';
            out.text += std::to_string(number_for(k));
            i = j;
        } else if (c == ':' && i + 1 < sql.size() && is_name_start(sql[i + 1])) {
            std::size_t j = i + 1;
            while (j < sql.size() && is_name_char(sql[j])) ++j;
            const std::string name(sql.substr(i, j - i));
            int k = 0;
            for (std::size_t n = 0; n < out.names.size(); ++n)
                if (out.names[n] == name) k = static_cast<int>(n) + 1;
            if (k == 0) {
                k = number_for(static_cast<int>(out.names.size()) + 1);
                out.names[static_cast<std::size_t>(k - 1)] = name;
            }
            out.text += '$';
            out.text += std::to_string(k);
            i = j;
        } else {
            out.text += c;
            ++i;
        }
    }
    return out;
}

void pg_conn_closer::operator()(pg_conn* conn) const noexcept { PQfinish(conn); }
void pg_result_clearer::operator()(pg_result* result) const noexcept { PQclear(result); }

postgresql_connection::postgresql_connection(const std::string& url)
    : conn_(PQconnectdb(with_application_name(url).c_str())) {
    if (!conn_) throw database_error::postgresql("08006", "connect: out of memory");
    if (PQstatus(conn_.get()) != CONNECTION_OK) throw_result_error(nullptr, conn_.get(), "connect");
    // NOTICEs (e.g. "relation already exists, skipping") are not the festival's events.
    PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
    // A writer waits for the catalog lock at most as long as SQLite's busy timeout, then is told "busy".
    exec("SET lock_timeout = '5s'");
}

void postgresql_connection::ensure_connected() {
    if (PQstatus(conn_.get()) == CONNECTION_OK) return;
    // A connection lost between transactions (a server restart, a fail-over) is opened again; the
    // statements prepared on the old one are prepared again when next used.
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK) throw_result_error(nullptr, conn_.get(), "reconnect");
    ++generation_;
    exec("SET lock_timeout = '5s'");
}

void postgresql_connection::prepare_on_server(prepared_sql& statement) {
    checked(PQprepare(conn_.get(), statement.name.c_str(), statement.sql.text.c_str(),
                      static_cast<int>(statement.sql.names.size()), nullptr),
            conn_.get(), "prepare");
    statement.generation = generation_;
}

const prepared_sql& postgresql_connection::prepare(std::string_view sql) {
    ensure_connected();
    std::string key(sql);
    if (auto found = cache_.find(key); found != cache_.end()) {
        if (found->second->generation != generation_) prepare_on_server(*found->second);
        return *found->second;
    }
    auto statement = std::make_unique<prepared_sql>();
    statement->name = 's';
    statement->name += std::to_string(cache_.size() + 1);
    statement->sql = translate_placeholders(sql);
    prepare_on_server(*statement);
    return *cache_.emplace(std::move(key), std::move(statement)).first->second;
}

pg_result_handle postgresql_connection::execute(const prepared_sql& statement,
                                                const std::vector<std::optional<std::string>>& parameters) {
    ensure_connected();
    if (statement.generation != generation_) prepare_on_server(const_cast<prepared_sql&>(statement));
    std::vector<const char*> values(parameters.size());
    for (std::size_t i = 0; i < parameters.size(); ++i) values[i] = parameters[i] ? parameters[i]->c_str() : nullptr;
    auto result = checked(PQexecPrepared(conn_.get(), statement.name.c_str(), static_cast<int>(values.size()),
                                         values.data(), nullptr, nullptr, 0),
                          conn_.get(), "step");
    note_changes(result.get());
    return result;
}

void postgresql_connection::exec(std::string_view script) {
    ensure_connected();
    const auto result = checked(PQexec(conn_.get(), std::string(script).c_str()), conn_.get(), "exec");
    note_changes(result.get());
}

void postgresql_connection::note_changes(pg_result* result) {
    // Like sqlite3_changes: only the row-changing commands count.
    const std::string_view status = PQcmdStatus(result);
    if (starts_with(status, "INSERT") || starts_with(status, "UPDATE") || starts_with(status, "DELETE") ||
        starts_with(status, "MERGE")) {
        const char* tuples = PQcmdTuples(result);
        changes_ = tuples && *tuples ? std::atoi(tuples) : 0;
    }
}

bool postgresql_connection::in_transaction() const {
    const auto status = PQtransactionStatus(conn_.get());
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

bool postgresql_connection::transaction_failed() const { return PQtransactionStatus(conn_.get()) == PQTRANS_INERROR; }

postgresql_statement::postgresql_statement(postgresql_connection& connection, const prepared_sql& prepared)
    : connection_(connection), prepared_(prepared), parameters_(prepared.sql.names.size()) {}

void postgresql_statement::bind(int index, std::string value) {
    if (index < 1 || index > static_cast<int>(parameters_.size()))
        throw std::logic_error("no SQL parameter " + std::to_string(index));
    parameters_[static_cast<std::size_t>(index - 1)] = std::move(value);
}

void postgresql_statement::bind_null(int index) {
    if (index < 1 || index > static_cast<int>(parameters_.size()))
        throw std::logic_error("no SQL parameter " + std::to_string(index));
    parameters_[static_cast<std::size_t>(index - 1)].reset();
}

bool postgresql_statement::step() {
    if (!result_) {
        result_ = connection_.execute(prepared_, parameters_);
        row_ = -1;
    }
    if (++row_ < PQntuples(result_.get())) return true;
    // Done: the next step runs the statement again, as SQLite's does.
    result_.reset();
    return false;
}

void postgresql_statement::reset() {
    result_.reset();
    row_ = -1;
    for (auto& parameter : parameters_) parameter.reset();
}

int postgresql_statement::parameter_index(std::string_view name) const {
    for (std::size_t i = 0; i < prepared_.sql.names.size(); ++i)
        if (prepared_.sql.names[i] == name) return static_cast<int>(i) + 1;
    throw std::logic_error("no SQL parameter " + std::string(name));
}

int postgresql_statement::column_index(std::string_view name) const {
    if (result_) {
        const int count = PQnfields(result_.get());
        for (int i = 0; i < count; ++i)
            if (name == PQfname(result_.get(), i)) return i;
    }
    throw std::logic_error("no SQL column " + std::string(name));
}

const char* postgresql_statement::value(int column) const {
    if (!result_ || row_ < 0 || column < 0 || column >= PQnfields(result_.get())) return nullptr;
    if (PQgetisnull(result_.get(), row_, column)) return nullptr;
    return PQgetvalue(result_.get(), row_, column);
}

bool postgresql_statement::is_null(int column) const { return value(column) == nullptr; }

std::int64_t postgresql_statement::int64(int column) const {
    const char* text = value(column);
    if (!text || !*text) return 0;
    if (text[0] == 't' && text[1] == '\0') return 1;  // boolean
    if (text[0] == 'f' && text[1] == '\0') return 0;
    const char* end = text + std::strlen(text);
    std::int64_t whole = 0;
    const auto [stop, error] = std::from_chars(text, end, whole);
    if (error == std::errc() && stop == end) return whole;
    // NUMERIC with a fraction (an AVG, a SUM of reals) or a DOUBLE PRECISION: truncated, as SQLite does.
    double number = 0;
    std::from_chars(text, end, number);
    return std::isfinite(number) ? static_cast<std::int64_t>(number) : 0;
}

double postgresql_statement::real(int column) const {
    const char* text = value(column);
    if (!text || !*text) return 0;
    if (text[0] == 't' && text[1] == '\0') return 1;
    double number = 0;
    std::from_chars(text, text + std::strlen(text), number);
    return number;
}

std::string postgresql_statement::text(int column) const {
    const char* text = value(column);
    return text ? std::string(text, static_cast<std::size_t>(PQgetlength(result_.get(), row_, column))) : std::string();
}

}  // namespace festival::catalog
