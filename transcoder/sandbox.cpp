#include "transcoder/sandbox.hpp"

#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "transcoder/process/sanitizers.hpp"

namespace festival::transcoder {
namespace {

bool sandboxed = false;  // set once, before the filter is loaded, by the only thread there is then

struct filter_release {
    void operator()(scmp_filter_ctx f) const noexcept { seccomp_release(f); }
};
using filter_ptr = std::unique_ptr<void, filter_release>;

[[noreturn]] void fail(const std::string& what, int error) {
    throw std::runtime_error("sandbox: " + what + ": " + std::strerror(error));
}

void drop_privileges(const std::string& user) {
    if (::geteuid() != 0 || user.empty()) return;
    // Looked up before the filter is in place (NSS may open sockets to nscd or sssd).
    const auto [uid, gid] = find_sandbox_user(user);
    if (::setgroups(0, nullptr) != 0) fail("setgroups", errno);
    if (::setresgid(gid, gid, gid) != 0) fail("setresgid", errno);
    if (::setresuid(uid, uid, uid) != 0) fail("setresuid", errno);
    if (::setuid(0) == 0) throw std::runtime_error("sandbox: root could be regained");
}

void deny(scmp_filter_ctx filter, int syscall, int error = EPERM) {
    if (syscall < 0) return;  // not on this architecture
    const int rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(error), syscall, 0);
    if (rc != 0) fail("seccomp rule", -rc);
}

void install_filter() {
    filter_ptr filter(seccomp_init(SCMP_ACT_ALLOW));
    if (!filter) throw std::runtime_error("sandbox: seccomp_init failed");
    scmp_filter_ctx f = filter.get();
    // The network, whatever the address family.
    for (const char* name : {"socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto",
                             "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg", "getsockopt", "setsockopt",
                             "shutdown"})
        deny(f, seccomp_syscall_resolve_name(name));
    // Running anything else, or starting a process. Threads (clone with CLONE_THREAD) stay allowed:
    // libav and x264 need them. clone3 answers ENOSYS so glibc falls back to clone, whose flags a
    // filter can read.
    for (const char* name : {"execve", "execveat", "fork", "vfork"}) deny(f, seccomp_syscall_resolve_name(name));
    deny(f, seccomp_syscall_resolve_name("clone3"), ENOSYS);
    if (const int rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                        SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
        rc != 0)
        fail("seccomp clone rule", -rc);
    // Other processes: no tracing, no reading or writing their memory, no signals (a probe running as
    // the server's user must not be able to stop the server).
    for (const char* name : {"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_open", "pidfd_getfd",
                             "pidfd_send_signal", "kcmp"})
        deny(f, seccomp_syscall_resolve_name(name));
    const auto self = static_cast<scmp_datum_t>(::getpid());
    for (const char* name : {"kill", "tgkill"})
        if (const int rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), seccomp_syscall_resolve_name(name), 1,
                                            SCMP_A0(SCMP_CMP_NE, self));
            rc != 0)
            fail("seccomp signal rule", -rc);
    deny(f, seccomp_syscall_resolve_name("tkill"));
    // The system itself.
    for (const char* name : {"mount", "umount2", "pivot_root", "chroot", "setns", "unshare", "bpf",
                             "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd", "init_module",
                             "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon",
                             "swapoff", "iopl", "ioperm", "open_by_handle_at", "name_to_handle_at", "personality",
                             "io_uring_setup", "io_uring_enter", "io_uring_register", "fanotify_init", "quotactl",
                             "syslog", "acct", "settimeofday", "clock_settime", "setuid", "setgid", "setreuid",
                             "setregid", "setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid", "chown",
                             "fchown", "lchown", "fchownat", "mknod", "mknodat"})
        deny(f, seccomp_syscall_resolve_name(name));
    // Typing into the controlling terminal.
    if (const int rc = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                        SCMP_A1(SCMP_CMP_EQ, static_cast<scmp_datum_t>(TIOCSTI)));
        rc != 0)
        fail("seccomp ioctl rule", -rc);
    if (const int rc = seccomp_load(f); rc != 0) fail("seccomp_load", -rc);
}

}  // namespace

sandbox_identity find_sandbox_user(const std::string& user) {
    std::vector<char> buffer(16384);
    passwd entry{}, *found = nullptr;
    if (::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
        throw std::runtime_error("sandbox: no user " + user);
    if (found->pw_uid == 0) throw std::runtime_error("sandbox: user " + user + " is root");
    return {found->pw_uid, found->pw_gid};
}

void enter_sandbox(const sandbox_options& options) {
    drop_privileges(options.user);
    // Nothing exec'd from here could gain privileges (set-uid files, file capabilities); also what
    // lets an unprivileged process install the filter.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("no_new_privs", errno);
    // A process that changed user is not dumpable: keep it so (no core, no ptrace from its new user).
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    sandboxed = true;
    install_filter();
}

process::resource_caps probe_caps() {
    process::resource_caps caps;
    caps.address_space_bytes = rlim_t(4) << 30;
    caps.cpu_seconds = 60;
    caps.file_size_bytes = rlim_t(1) << 20;
    caps.open_files = 64;
    return caps;
}

process::resource_caps transcode_caps(std::uint64_t max_output_file_bytes) {
    process::resource_caps caps;
    caps.address_space_bytes = rlim_t(8) << 30;  // generous enough for a 1080p ladder
    caps.file_size_bytes = static_cast<rlim_t>(max_output_file_bytes);
    return caps;
}

}  // namespace festival::transcoder

#ifdef FESTIVAL_ADDRESS_SANITIZER
// LeakSanitizer's check at exit stops the world through a ptrace'ing clone, which the filter denies,
// and would fail the process: a sandboxed process skips it (sanitizer builds only; every process
// outside the sandbox is still checked).
extern "C" int __lsan_is_turned_off() { return festival::transcoder::sandboxed ? 1 : 0; }
#endif
