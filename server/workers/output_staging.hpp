#pragma once
// Where a worker on another host sends a job's output: the job's staging folder in the shared media
// folder (media/<film>/.tmp-<job>/, the version_publisher's), so that publishing it is the same rename
// as for a local worker, on any server node. Each file arrives whole or not at all (a hidden
// temporary, fsync'd, renamed); beside it a hidden ".<name>.sha256" notes its size and hash, so a
// resuming worker learns what is already here without the server reading it all again.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "catalog/jobs.hpp"
#include "transcoder/media/media_layout.hpp"

namespace festival::server {

// A version's file path: 1 to 3 segments of [A-Za-z0-9._-], none starting with '.', 200 bytes at most.
bool is_valid_output_path(std::string_view path);

struct received_file {
    std::uint64_t bytes = 0;
    std::string sha256;
};

class output_staging {
public:
    output_staging(const media::media_layout& layout, const catalog::job& job)
        : root_(layout.staging_dir(job.film_id, job.id)) {}

    // Entries one folder may hold (files and their notes): the limit on a job's file count.
    static constexpr std::size_t max_folder_entries = 40000;
    // Files a finish may name.
    static constexpr std::size_t max_files = 100000;

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path file(std::string_view path) const { return root_ / std::string(path); }
    // Notes a file now in place: its note written durably after it.
    void record(std::string_view path, const received_file& file) const;
    // Every file whose note matches its size, by relative path.
    std::map<std::string, received_file> received() const;
    // Removes everything under the folder but `keep` (notes, temporaries, files nobody listed).
    void keep_only(const std::map<std::string, received_file>& keep) const;

private:
    static std::filesystem::path note_of(const std::filesystem::path& file);
    std::filesystem::path root_;
};

}  // namespace festival::server
