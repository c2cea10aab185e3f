#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace festival::testing {

temp_dir::temp_dir(storage where) {
    const std::filesystem::path shm = "/dev/shm";
    const bool in_memory = where == storage::in_memory && std::filesystem::is_directory(shm);
    std::string pattern = ((in_memory ? shm : std::filesystem::temp_directory_path()) / "festival-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

temp_dir::~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

void write_executable(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

}  // namespace festival::testing
