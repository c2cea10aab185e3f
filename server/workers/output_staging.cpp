#include "server/workers/output_staging.hpp"

#include <fstream>
#include <sstream>
#include <vector>

#include "transcoder/media/durable_file.hpp"

namespace festival::server {

namespace fs = std::filesystem;

bool is_valid_output_path(std::string_view path) {
    if (path.empty() || path.size() > 200) return false;
    int segments = 0;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        const auto segment = path.substr(start, slash - start);
        if (segment.empty() || segment.front() == '.' || ++segments > 3) return false;
        for (const char c : segment)
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-'))
                return false;
        start = slash + 1;
    }
    return true;
}

fs::path output_staging::note_of(const fs::path& file) {
    auto name = file.filename().string();
    name.insert(0, 1, '.');
    name += ".sha256";
    return file.parent_path() / name;
}

void output_staging::record(std::string_view path, const received_file& file) const {
    media::write_file_durably(note_of(this->file(path)), std::to_string(file.bytes) + " " + file.sha256 + "\n");
}

std::map<std::string, received_file> output_staging::received() const {
    std::map<std::string, received_file> files;
    std::error_code ec;
    for (auto entry = fs::recursive_directory_iterator(root_, ec); !ec && entry != fs::recursive_directory_iterator();
         entry.increment(ec)) {
        const auto name = entry->path().filename().string();
        if (name.starts_with(".")) {
            if (entry->is_directory()) entry.disable_recursion_pending();
            continue;
        }
        std::error_code not_file;
        if (!entry->is_regular_file(not_file)) continue;
        std::ifstream note(note_of(entry->path()));
        received_file noted;
        if (!(note >> noted.bytes >> noted.sha256)) continue;
        if (noted.bytes != entry->file_size(not_file) || not_file) continue;
        files.emplace(fs::relative(entry->path(), root_).generic_string(), std::move(noted));
    }
    return files;
}

void output_staging::keep_only(const std::map<std::string, received_file>& keep) const {
    std::vector<fs::path> extra;
    std::error_code ec;
    for (auto entry = fs::recursive_directory_iterator(root_, ec); !ec && entry != fs::recursive_directory_iterator();
         entry.increment(ec)) {
        if (entry->is_directory()) continue;
        if (!keep.contains(fs::relative(entry->path(), root_).generic_string())) extra.push_back(entry->path());
    }
    for (const auto& path : extra) fs::remove(path);
}

}  // namespace festival::server
