#include "transcoder/media/media_folders.hpp"

#include <algorithm>

namespace festival::transcoder {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view discarded_prefix = ".deleted-";

}  // namespace

std::string version_folder(std::int64_t version) { return "v" + std::to_string(version); }

std::optional<std::int64_t> version_of_folder(const std::string& name) {
    if (name.size() < 2 || name.size() > 19 || name[0] != 'v' ||
        name.find_first_not_of("0123456789", 1) != std::string::npos)
        return std::nullopt;
    return std::stoll(name.substr(1));
}

std::vector<std::int64_t> prune_versions(const fs::path& film_dir, const std::set<std::int64_t>& keep) {
    std::vector<std::int64_t> removed;
    std::vector<std::pair<std::int64_t, fs::path>> superseded;
    std::error_code ec;
    for (auto entry = fs::directory_iterator(film_dir, ec); !ec && entry != fs::directory_iterator(); entry.increment(ec)) {
        const auto version = version_of_folder(entry->path().filename().string());
        if (version && !keep.contains(*version)) superseded.emplace_back(*version, entry->path());
    }
    for (const auto& [version, path] : superseded)
        if (discard_folder(path)) removed.push_back(version);
    std::sort(removed.begin(), removed.end());
    return removed;
}

bool discard_folder(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return !ec;
    const auto discarded = dir.parent_path() / (std::string(discarded_prefix) + dir.filename().string());
    fs::remove_all(discarded, ec);  // left by an earlier attempt
    fs::rename(dir, discarded, ec);
    if (ec) return false;
    fs::remove_all(discarded, ec);
    return !ec;
}

int remove_discarded_folders(const fs::path& parent) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (auto entry = fs::directory_iterator(parent, ec); !ec && entry != fs::directory_iterator(); entry.increment(ec))
        if (entry->path().filename().string().starts_with(discarded_prefix)) found.push_back(entry->path());
    int removed = 0;
    for (const auto& path : found) {
        std::error_code inner;
        fs::remove_all(path, inner);
        if (!inner) ++removed;
    }
    return removed;
}

}  // namespace festival::transcoder
