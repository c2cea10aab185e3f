#include "transcoder/media/version_links.hpp"

#include <filesystem>

namespace festival::media {

void link_version_files(const version_layout& from, const version_layout& to, const std::set<std::string>& kept_audio) {
    namespace fs = std::filesystem;
    fs::create_directories(to.root());
    for (auto entry = fs::recursive_directory_iterator(from.root()); entry != fs::recursive_directory_iterator(); ++entry) {
        const auto relative = fs::relative(entry->path(), from.root());
        const auto first = *relative.begin();
        if (first == version_layout::audio_name && std::distance(relative.begin(), relative.end()) >= 2 &&
            !kept_audio.count(std::next(relative.begin())->string())) {
            if (entry->is_directory()) entry.disable_recursion_pending();
            continue;
        }
        const auto target = to.root() / relative;
        if (entry->is_directory()) fs::create_directories(target);
        else if (target != to.master_playlist() && target != to.manifest()) fs::create_hard_link(entry->path(), target);
    }
}

}  // namespace festival::media
