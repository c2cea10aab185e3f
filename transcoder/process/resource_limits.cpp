#include "transcoder/process/resource_limits.hpp"

#include "transcoder/process/sanitizers.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace festival::process {
namespace {

// AddressSanitizer and ThreadSanitizer reserve terabytes of address space for their shadow memory:
// under them an address-space cap would stop every child at start (the sanitizer builds only).
#if defined(FESTIVAL_ADDRESS_SANITIZER) || defined(FESTIVAL_THREAD_SANITIZER)
constexpr bool address_space_is_shadowed = true;
#else
constexpr bool address_space_is_shadowed = false;
#endif

}  // namespace

void lower_limit(int resource, rlim_t value, rlim_t hard) {
    rlimit current{};
    if (::getrlimit(resource, &current) != 0) throw std::system_error(errno, std::generic_category(), "getrlimit");
    if (hard == RLIM_INFINITY) hard = value;
    rlimit wanted{std::min(value, current.rlim_max), std::min(std::max(hard, value), current.rlim_max)};
    wanted.rlim_cur = std::min(wanted.rlim_cur, wanted.rlim_max);
    if (::setrlimit(resource, &wanted) != 0) throw std::system_error(errno, std::generic_category(), "setrlimit");
}

void apply_caps(const resource_caps& caps) {
    lower_limit(RLIMIT_CORE, 0);
    if (caps.address_space_bytes != RLIM_INFINITY && !address_space_is_shadowed)
        lower_limit(RLIMIT_AS, caps.address_space_bytes);
    // The soft limit sends SIGXCPU (a clean death), the hard one SIGKILL if that is ignored.
    if (caps.cpu_seconds != RLIM_INFINITY) lower_limit(RLIMIT_CPU, caps.cpu_seconds, caps.cpu_seconds + 5);
    if (caps.file_size_bytes != RLIM_INFINITY) {
        // A write past the cap then fails with EFBIG instead of killing the process with SIGXFSZ,
        // so the transcoder reports a clear error.
        ::signal(SIGXFSZ, SIG_IGN);
        lower_limit(RLIMIT_FSIZE, caps.file_size_bytes);
    }
    if (caps.open_files != RLIM_INFINITY) lower_limit(RLIMIT_NOFILE, caps.open_files);
}

}  // namespace festival::process
