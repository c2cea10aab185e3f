#include "tests/faults/small_filesystem.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/festival_process.hpp"

namespace festival::testing {
namespace {

namespace fs = std::filesystem;

fs::path fresh_folder() {
    std::string pattern = (fs::temp_directory_path() / "festival-faults-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) FAIL("mkdtemp: " << std::strerror(errno));
    return pattern;
}

}  // namespace

small_filesystem::small_filesystem(std::uint64_t megabytes, kind k) {
    if (::geteuid() != 0)
        FAIL("the fault tests mount small file systems and must run as root (CI does); this process is not root");
    base_ = fresh_folder();
    mount_point_ = base_ / "mnt";
    fs::create_directories(mount_point_);
    std::string output;
    if (k == kind::tmpfs) {
        const auto options = "size=" + std::to_string(megabytes) + "m,mode=0755";
        if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, options.c_str()) != 0)
            FAIL("mount -t tmpfs -o " << options << " " << mount_point_ << ": " << std::strerror(errno));
    } else {
        const auto image = (base_ / "disk.img").string();
        { std::ofstream create(image); }
        fs::resize_file(image, megabytes << 20);
        // -m 0: the festival runs as root, which could otherwise write into the 5 % kept for root.
        if (run_command({"/usr/sbin/mkfs.ext4", "-q", "-F", "-m", "0", image}, output) != 0)
            FAIL("mkfs.ext4: " << output);
        if (run_command({"/usr/bin/mount", "-o", "loop,errors=remount-ro", image, mount_point_.string()}, output) != 0)
            FAIL("mount -o loop " << image << ": " << output);
        if (run_command({"/usr/bin/findmnt", "-no", "SOURCE", mount_point_.string()}, output) != 0)
            FAIL("findmnt: " << output);
        device_ = fs::path(output.substr(0, output.find('\n'))).filename().string();
    }
    mounted_ = true;
}

small_filesystem::~small_filesystem() {
    if (mounted_ && ::umount(mount_point_.c_str()) != 0) {
        // Something still holds a file open there (a child a failed test left behind): detach now,
        // the kernel frees it when the last user goes.
        ::umount2(mount_point_.c_str(), MNT_DETACH);
    }
    std::error_code ignored;
    fs::remove_all(base_, ignored);
}

std::uint64_t small_filesystem::free_bytes() const {
    struct statvfs info {};
    if (::statvfs(mount_point_.c_str(), &info) != 0) return 0;
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

void small_filesystem::fill(std::uint64_t leave) {
    release_filler();
    const auto filler = mount_point_ / ".filler";
    const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE_MESSAGE(fd >= 0, "open filler: " << std::strerror(errno));
    const auto free = free_bytes();
    std::uint64_t size = free > leave ? free - leave : 0;
    // Round down to whole pages: a file system hands out room a block at a time.
    size &= ~std::uint64_t(4095);
    if (size > 0 && ::fallocate(fd, 0, 0, static_cast<off_t>(size)) != 0) {
        const int error = errno;
        ::close(fd);
        FAIL("fallocate " << size << " bytes: " << std::strerror(error));
    }
    if (leave == 0) {
        // Whatever metadata rounding left: write until the file system says no.
        std::vector<char> block(4096, 'x');
        off_t at = static_cast<off_t>(size);
        while (::pwrite(fd, block.data(), block.size(), at) > 0) at += static_cast<off_t>(block.size());
    }
    ::fsync(fd);
    ::close(fd);
}

void small_filesystem::release_filler() {
    std::error_code ignored;
    fs::remove(mount_point_ / ".filler", ignored);
}

void small_filesystem::turn_read_only() {
    REQUIRE_MESSAGE(!device_.empty(), "only the ext4 kind can turn read-only under open files");
    std::ofstream("/sys/fs/ext4/" + device_ + "/trigger_fs_error") << "festival fault test\n";
    // The emergency read-only state shows in no statvfs flag: ask the file system for a new file.
    const auto probe = mount_point_ / ".probe";
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    const int error = fd < 0 ? errno : 0;
    if (fd >= 0) ::close(fd);
    REQUIRE_MESSAGE(error == EROFS, "the file system did not turn read-only");
}

}  // namespace festival::testing
