#include "catalog/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <memory>
#include <system_error>
#include <thread>

#include "catalog/errors.hpp"
#include "catalog/postgresql_connection.hpp"
#include "catalog/schema.hpp"
#include "transcoder/media/durable_file.hpp"

namespace festival::catalog {
namespace {

namespace fs = std::filesystem;

struct connection_closer {
    void operator()(sqlite3* p) const noexcept { sqlite3_close_v2(p); }
};
using connection_ptr = std::unique_ptr<sqlite3, connection_closer>;

struct backup_finisher {
    void operator()(sqlite3_backup* p) const noexcept { sqlite3_backup_finish(p); }
};
using backup_ptr = std::unique_ptr<sqlite3_backup, backup_finisher>;

// Removes a temporary file on every path out unless it was renamed into place.
class temporary_file {
public:
    explicit temporary_file(fs::path path) : path_(std::move(path)) {}
    temporary_file(const temporary_file&) = delete;
    temporary_file& operator=(const temporary_file&) = delete;
    ~temporary_file() {
        if (!kept_) {
            std::error_code ignored;
            fs::remove(path_, ignored);
        }
    }
    const fs::path& path() const { return path_; }
    void keep() { kept_ = true; }

private:
    fs::path path_;
    bool kept_ = false;
};

catalog_error failure(std::string code, const std::string& message) {
    return {error_kind::storage, std::move(code), message};
}

connection_ptr open_connection(const fs::path& path, int flags) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    connection_ptr db(raw);
    if (rc != SQLITE_OK)
        throw failure("backup_failed", "cannot open " + path.string() + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, 5000);
    return db;
}

void exec(sqlite3* db, const char* sql, const std::string& what) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error ? error : sqlite3_errmsg(db);
        sqlite3_free(error);
        throw failure("backup_failed", what + ": " + message);
    }
}

// The first column of the first row of `sql`, as text ("" when there is no row). A failure throws
// SQLite's message under `code`, which says what it means to the caller ("not_a_catalog", …).
std::string first_value(sqlite3* db, const char* sql, const std::string& code, const std::string& what) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
    if (rc == SQLITE_OK) rc = sqlite3_step(raw);
    if (rc == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
        return text ? text : "";
    }
    if (rc == SQLITE_DONE) return "";
    throw catalog_error(error_kind::invalid, code, what + ": " + sqlite3_errmsg(db));
}

void sync_file(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0) throw std::system_error(error, std::generic_category(), "cannot sync " + path.string());
}

// Copies every page of `source` into `destination` in steps. In WAL mode the source keeps one read
// transaction open throughout: every step reads the same snapshot (no restart, whatever is committed
// meanwhile) while writers go on appending to the WAL. In any other journal mode a reader would block
// writers, so steps take the lock only briefly and SQLite restarts the copy when the source changed.
std::int64_t copy_pages(sqlite3* source, sqlite3* destination, const backup_options& options) {
    const bool snapshot = first_value(source, "PRAGMA journal_mode", "backup_failed", "read journal mode") == "wal";
    if (snapshot) exec(source, "BEGIN; SELECT count(*) FROM sqlite_schema", "hold a snapshot of the catalog");
    backup_ptr backup(sqlite3_backup_init(destination, "main", source, "main"));
    if (!backup) throw failure("backup_failed", std::string("cannot start the backup: ") + sqlite3_errmsg(destination));
    // Busy steps are waited out, up to about a minute of them in a row. Without a snapshot, writes that
    // keep restarting the copy would starve it: after a few restarts the rest is copied in one step.
    int busy_in_a_row = 0;
    int restarts = 0;
    int last_remaining = -1;
    for (;;) {
        const int rc = sqlite3_backup_step(backup.get(), restarts < 3 ? options.pages_per_step : -1);
        const int remaining = sqlite3_backup_remaining(backup.get());
        if (last_remaining >= 0 && remaining > last_remaining) ++restarts;  // SQLite began again at page 1
        last_remaining = remaining;
        if (rc == SQLITE_DONE) break;
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            if (++busy_in_a_row > 60'000 / std::max<long>(1, options.pause.count())) break;
        } else if (rc != SQLITE_OK) {
            break;
        } else {
            busy_in_a_row = 0;
            if (options.after_step) options.after_step(remaining);
        }
        std::this_thread::sleep_for(options.pause);
    }
    const std::int64_t pages = sqlite3_backup_pagecount(backup.get());
    const int rc = sqlite3_backup_finish(backup.release());
    if (snapshot) exec(source, "COMMIT", "release the snapshot");
    if (rc != SQLITE_OK) throw failure("backup_failed", std::string("backup: ") + sqlite3_errstr(rc));
    return pages;
}

// integrity_check's verdict: "ok", or its first complaint.
std::string integrity_of(sqlite3* db, const std::string& code) {
    return first_value(db, "PRAGMA integrity_check", code, "integrity check");
}

}  // namespace

void refuse_postgresql_backup(const std::string& location) {
    if (is_postgresql_location(location))
        throw invalid("backup_on_postgresql",
                      "the catalog is on PostgreSQL: back it up and restore it with pg_dump and pg_restore "
                      "(docs/postgresql.md)");
}

backup_result backup_catalog(const fs::path& source, const fs::path& target, const backup_options& options) {
    refuse_postgresql_backup(source.string());
    const auto started = std::chrono::steady_clock::now();
    if (!fs::is_regular_file(source)) throw failure("backup_failed", "no catalog at " + source.string());
    std::error_code same_error;
    if (fs::exists(target) && fs::equivalent(source, target, same_error))
        throw failure("backup_failed", "the backup must not replace the catalog itself");
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    fs::create_directories(folder);
    temporary_file temporary(target.string() + ".tmp-" + std::to_string(::getpid()));
    fs::remove(temporary.path());

    backup_result result;
    {
        const auto from = open_connection(source, SQLITE_OPEN_READONLY);
        const auto to = open_connection(temporary.path(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        result.pages = copy_pages(from.get(), to.get(), options);
        // The copy carries the source's WAL flag: make it one self-contained file. Then prove it whole.
        exec(to.get(), "PRAGMA journal_mode = DELETE", "make the copy a single file");
        if (const auto verdict = integrity_of(to.get(), "backup_failed"); verdict != "ok")
            throw failure("backup_failed", "the copy fails its integrity check: " + verdict);
    }
    sync_file(temporary.path());
    fs::rename(temporary.path(), target);
    temporary.keep();
    media::sync_directory(folder);

    result.path = fs::absolute(target);
    result.bytes = static_cast<std::int64_t>(fs::file_size(target));
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

int check_catalog_backup(const fs::path& file) {
    if (!fs::is_regular_file(file))
        throw catalog_error(error_kind::invalid, "not_a_catalog", file.string() + " is not a file");
    const auto db = open_connection(file, SQLITE_OPEN_READONLY);
    const auto not_catalog = [&](const std::string& why) {
        return catalog_error(error_kind::invalid, "not_a_catalog", file.string() + " is not a festival catalog: " + why);
    };
    const auto tables = first_value(db.get(),
                                    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                    "AND name IN ('films', 'festival', 'users', 'jobs')",
                                    "not_a_catalog", file.string() + " is not a festival catalog");
    if (tables != "4") throw not_catalog("the festival's tables are missing");
    const int version = std::stoi(first_value(db.get(), "PRAGMA user_version", "not_a_catalog", "read schema version"));
    const int known = static_cast<int>(migrations().size());
    if (version < 1) throw not_catalog("it has no schema version");
    if (version > known)
        throw catalog_error(error_kind::invalid, "schema_too_new",
                            file.string() + " has catalog schema version " + std::to_string(version) +
                                ", newer than this festival knows (" + std::to_string(known) +
                                "): restore it with the festival that made it");
    if (const auto verdict = integrity_of(db.get(), "catalog_damaged"); verdict != "ok")
        throw catalog_error(error_kind::invalid, "catalog_damaged",
                            file.string() + " fails its integrity check: " + verdict);
    return version;
}

fs::path install_catalog_backup(const fs::path& backup, const fs::path& catalog_db, const std::string& stamp) {
    const fs::path folder = catalog_db.has_parent_path() ? catalog_db.parent_path() : fs::path(".");
    fs::create_directories(folder);
    temporary_file incoming(catalog_db.string() + ".restore-tmp");
    fs::copy_file(backup, incoming.path(), fs::copy_options::overwrite_existing);
    sync_file(incoming.path());

    // catalog.db exists at every moment (old, then new): the old one is kept under a second name
    // first (a hard link), then its WAL follows it, and only then is the new file renamed over it.
    // A WAL or hot journal left beside the new file would be replayed into it, so none may stay.
    fs::path kept;
    const auto beside = [](const fs::path& db, const char* suffix) { return fs::path(db.string() + suffix); };
    if (fs::exists(catalog_db)) {
        kept = catalog_db.string() + ".before-restore-" + stamp;
        fs::create_hard_link(catalog_db, kept);
        for (const char* suffix : {"-wal", "-journal"})
            if (fs::exists(beside(catalog_db, suffix))) fs::rename(beside(catalog_db, suffix), beside(kept, suffix));
    }
    for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(beside(catalog_db, suffix));
    fs::rename(incoming.path(), catalog_db);
    incoming.keep();
    media::sync_directory(folder);
    return kept;
}

std::string backup_time_stamp(std::chrono::system_clock::time_point when) {
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
    return text;
}

}  // namespace festival::catalog
