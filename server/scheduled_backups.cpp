#include "server/scheduled_backups.hpp"

#include <algorithm>
#include <system_error>

#include "catalog/backup.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view name_prefix = "catalog-";
constexpr std::string_view name_suffix = ".db";
constexpr std::size_t stamp_size = 16;  // 20261127T134502Z

bool is_scheduled_backup_name(const std::string& name) {
    return name.size() == name_prefix.size() + stamp_size + name_suffix.size() && name.starts_with(name_prefix) &&
           name.ends_with(name_suffix) && name[name_prefix.size() + 8] == 'T' &&
           name[name_prefix.size() + stamp_size - 1] == 'Z';
}

}  // namespace

std::string scheduled_backup_name(std::chrono::system_clock::time_point when) {
    return std::string(name_prefix) + catalog::backup_time_stamp(when) + std::string(name_suffix);
}

std::vector<fs::path> scheduled_backups_in(const fs::path& folder) {
    std::vector<fs::path> found;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error))
        if (entry.is_regular_file() && is_scheduled_backup_name(entry.path().filename().string()))
            found.push_back(entry.path());
    std::sort(found.begin(), found.end());  // the UTC stamp sorts as time does
    return found;
}

bool run_backup_round(const backup_schedule& schedule, std::chrono::system_clock::time_point now) {
    try {
        const auto made = catalog::backup_catalog(schedule.catalog_db, schedule.folder / scheduled_backup_name(now));
        auto all = scheduled_backups_in(schedule.folder);
        std::vector<std::string> removed;
        const auto keep = static_cast<std::size_t>(std::max(1, schedule.keep));
        for (std::size_t i = 0; i + keep < all.size(); ++i) {
            std::error_code error;
            if (fs::remove(all[i], error)) removed.push_back(all[i].filename().string());
            else if (error) log_event("backup_prune_failed", {{"path", all[i].string()}, {"what", error.message()}});
        }
        log_event("backup_made", {{"path", made.path.string()},
                                  {"bytes", made.bytes},
                                  {"pages", made.pages},
                                  {"seconds", made.seconds},
                                  {"removed", removed}});
        return true;
    } catch (const std::exception& e) {
        log_event("backup_failed", {{"folder", schedule.folder.string()}, {"what", e.what()}});
        return false;
    }
}

backup_scheduler::backup_scheduler(backup_schedule schedule, std::chrono::minutes every) {
    thread_.start([this, schedule = std::move(schedule), every] {
        while (thread_.sleep_for(every)) run_backup_round(schedule, std::chrono::system_clock::now());
    });
}

}  // namespace festival::server
