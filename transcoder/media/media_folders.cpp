#include "transcoder/media/media_folders.hpp"

#include "transcoder/media/version_publisher.hpp"

namespace festival::media {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view discarded_prefix = ".deleted-";

}  // namespace

std::vector<std::int64_t> prune_versions(const fs::path& film_dir, const std::set<std::int64_t>& keep) {
    std::vector<std::string> names;
    std::error_code ec;
    for (auto entry = fs::directory_iterator(film_dir, ec); !ec && entry != fs::directory_iterator(); entry.increment(ec))
        names.push_back(entry->path().filename().string());
    std::vector<std::int64_t> removed;
    for (const auto version : superseded_versions(names, keep))
        if (discard_folder(film_dir / version_folder(version))) removed.push_back(version);
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

}  // namespace festival::media
