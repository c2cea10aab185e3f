#pragma once
#include <filesystem>
#include <string>

namespace festival::testing {

// A fresh folder under /tmp, removed with everything in it when the test ends.
class temp_dir {
public:
    // in_memory: on /dev/shm where the system has it, for catalogs whose fsyncs need not reach a disk.
    enum class storage { disk, in_memory };
    explicit temp_dir(storage where = storage::disk);
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Writes bytes to path as they are, replacing what was there.
void write_file(const std::filesystem::path& path, const std::string& bytes);
// Writes a script the owner may run (a stand-in program for the server to start).
void write_executable(const std::filesystem::path& path, const std::string& text);

}  // namespace festival::testing
