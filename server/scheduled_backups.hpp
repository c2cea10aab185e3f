#pragma once
// Scheduled catalog backups while the festival runs: every N minutes a background thread copies the
// catalog (catalog/backup) into the backup folder as catalog-<UTC time>.db and keeps only the newest
// `keep` of them. A failed round is logged and the next round tries again.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "server/background_thread.hpp"

namespace festival::server {

struct backup_schedule {
    std::filesystem::path catalog_db;
    std::filesystem::path folder;
    int keep = 1;
};

// "catalog-20261127T134502Z.db".
std::string scheduled_backup_name(std::chrono::system_clock::time_point when);

// The scheduled backups in `folder`, oldest first (files of that name pattern only: nothing else is
// ever removed).
std::vector<std::filesystem::path> scheduled_backups_in(const std::filesystem::path& folder);

// One round: a backup named by `now`, then all but the `keep` newest scheduled backups removed.
// Logs what it did or why it failed; true when the backup was made.
bool run_backup_round(const backup_schedule& schedule, std::chrono::system_clock::time_point now);

// Runs a round every `every` until destroyed.
class backup_scheduler {
public:
    backup_scheduler(backup_schedule schedule, std::chrono::minutes every);

private:
    background_thread thread_;
};

}  // namespace festival::server
