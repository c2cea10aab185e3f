#pragma once
// Copies of the catalog: taken online with SQLite's backup API while the festival writes, and checked
// before one is installed in place of the catalog (docs/backups.md).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace festival::catalog {

struct backup_options {
    // Pages copied per step, and the pause between steps that lets writers in.
    int pages_per_step = 512;
    std::chrono::milliseconds pause{2};
    // Tests only: runs after each step (with the pages still to copy), where another writer may come in.
    std::function<void(int remaining)> after_step;
};

struct backup_result {
    std::filesystem::path path;
    std::int64_t bytes = 0;
    std::int64_t pages = 0;
    double seconds = 0;
};

// Copies the catalog at `source` (which must exist) to `target`, consistently while other connections
// and processes write to it: one snapshot, copied in steps; then the copy is made a single file
// (rollback journal), checked with PRAGMA integrity_check, fsync'd and renamed into place, so
// `target` is a whole, valid catalog or is left as it was. Throws catalog_error on failure.
backup_result backup_catalog(const std::filesystem::path& source, const std::filesystem::path& target,
                             const backup_options& options = {});

// Checks that `file` is a whole festival catalog this program can open: integrity_check passes,
// the festival's tables are there, and its schema version is not newer than the migrations this
// program has. Returns that schema version; throws catalog_error ("not_a_catalog", "catalog_damaged",
// "schema_too_new") otherwise.
int check_catalog_backup(const std::filesystem::path& file);

// Installs a checked backup as the catalog `catalog_db` (no process may have it open): the current
// catalog and its WAL are kept beside it as <name>.before-restore-<stamp> (and -wal), its stale -shm is
// removed, and the backup is copied, fsync'd and renamed into place. Returns the kept path (empty when
// there was no catalog). Throws catalog_error or std::system_error.
std::filesystem::path install_catalog_backup(const std::filesystem::path& backup, const std::filesystem::path& catalog_db,
                                             const std::string& stamp);

// Backups and restores are of the SQLite file: a catalog on PostgreSQL (`location` a postgresql://
// URL) is backed up by PostgreSQL's own tools (pg_dump, base backups; docs/postgresql.md). Throws
// catalog_error "backup_on_postgresql" for such a location, else does nothing.
void refuse_postgresql_backup(const std::string& location);

// "20261127T134502Z": a UTC time as backup and kept-catalog names use it (sorts as it happened).
std::string backup_time_stamp(std::chrono::system_clock::time_point when);

}  // namespace festival::catalog
