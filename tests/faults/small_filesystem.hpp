#pragma once
// A small file system mounted for one test, so that the festival's data can run out of room or turn
// read-only on cue. Needs root (CI runs the tests as root); without it the test fails, it is not skipped.
#include <cstdint>
#include <filesystem>
#include <string>

namespace festival::testing {

class small_filesystem {
public:
    enum class kind {
        tmpfs,  // in memory: exact sizes, quick to fill
        ext4,   // a loop-mounted image with errors=remount-ro, so that it can turn read-only under open files
    };
    small_filesystem(std::uint64_t megabytes, kind k = kind::tmpfs);
    ~small_filesystem();
    small_filesystem(const small_filesystem&) = delete;
    small_filesystem& operator=(const small_filesystem&) = delete;

    const std::filesystem::path& path() const { return mount_point_; }
    // Bytes an unprivileged writer could still store (statvfs f_bavail).
    std::uint64_t free_bytes() const;
    // Takes all the room but `leave` bytes with a filler file (replacing any previous one).
    void fill(std::uint64_t leave = 0);
    // Gives the filler's room back.
    void release_filler();
    // What the kernel does when a disk reports errors: the ext4 file system is remounted read-only
    // under the processes that have files open on it.
    void turn_read_only();

private:
    std::filesystem::path base_;         // a temp folder holding the mount point (and the image)
    std::filesystem::path mount_point_;
    std::string device_;                 // the loop device's name for ext4 ("loop0")
    bool mounted_ = false;
};

}  // namespace festival::testing
