#pragma once
#include <filesystem>

namespace festival::testing {

// A fresh folder under /tmp, removed with everything in it when the test ends.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace festival::testing
