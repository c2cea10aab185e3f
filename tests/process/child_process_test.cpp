// spawn_child gives a child exactly the descriptors it is told to pass, at 3, 4, … in order, and
// closes every other one above 2 even when it lacks close-on-exec (as Asio's sockets do).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "transcoder/process/child_process.hpp"

using namespace festival::process;

namespace {

struct pipe_ends {
    int read = -1, write = -1;
    pipe_ends() {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        read = fds[0], write = fds[1];
    }
    ~pipe_ends() { close_read(), close_write(); }
    void close_read() { if (read >= 0) ::close(read), read = -1; }
    void close_write() { if (write >= 0) ::close(write), write = -1; }
};

std::string read_all(int fd) {
    std::string text;
    char buffer[256];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
    return text;
}

}  // namespace

TEST_CASE("a child gets its passed descriptors as 3, 4, … and no other one above 2") {
    pipe_ends output, to_three, from_four;
    // Opened without close-on-exec, like a socket Asio accepted: it must still not reach the child.
    const int leaked = ::open("/dev/null", O_RDONLY);
    REQUIRE(leaked >= 0);
    const std::string script =
        "for n in 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 " + std::to_string(leaked) +
        "; do if [ -e /proc/$$/fd/$n ]; then printf '%s ' $n; fi; done; "
        "echo written-to-three >&3; printf '%s|' \"$FESTIVAL_TEST_GREETING\"; cat <&4";
    child_options options{.stdout_fd = output.write};
    options.pass_fds = {to_three.write, from_four.read};
    options.extra_environment = {"FESTIVAL_TEST_GREETING=hello"};
    const pid_t pid = spawn_child({"/bin/sh", "-c", script}, options);
    output.close_write(), to_three.close_write(), from_four.close_read();
    CHECK(::write(from_four.write, "read-from-four", 14) == 14);
    from_four.close_write();
    const std::string printed = read_all(output.read);
    const int status = wait_for_child(pid);
    ::close(leaked);
    CHECK(WIFEXITED(status));
    CHECK(printed == "3 4 hello|read-from-four");
    CHECK(read_all(to_three.read) == "written-to-three\n");
}

TEST_CASE("passed descriptors keep their order even when their numbers are the targets reversed") {
    // Put two pipe ends at the lowest free numbers a, b (a < b) and pass them as {b, a}: placing b at
    // 3 must not overwrite a before it is placed at 4.
    pipe_ends first, second, output;
    const int low = ::fcntl(first.write, F_DUPFD_CLOEXEC, 3);
    const int high = ::fcntl(second.write, F_DUPFD_CLOEXEC, low + 1);
    REQUIRE(low >= 3);
    child_options options{.stdout_fd = output.write};
    options.pass_fds = {high, low};
    const pid_t pid = spawn_child({"/bin/sh", "-c", "echo to-second >&3; echo to-first >&4"}, options);
    ::close(low), ::close(high);
    first.close_write(), second.close_write(), output.close_write();
    CHECK(WIFEXITED(wait_for_child(pid)));
    CHECK(read_all(second.read) == "to-second\n");
    CHECK(read_all(first.read) == "to-first\n");
}

TEST_CASE("an added environment variable replaces the parent's of that name and keeps the others") {
    ::setenv("FESTIVAL_TEST_REPLACED", "parent", 1);
    ::setenv("FESTIVAL_TEST_KEPT", "kept", 1);
    pipe_ends output;
    child_options options{.stdout_fd = output.write};
    options.extra_environment = {"FESTIVAL_TEST_REPLACED=child"};
    const pid_t pid = spawn_child(
        {"/bin/sh", "-c", "env | grep -c '^FESTIVAL_TEST_REPLACED='; echo $FESTIVAL_TEST_REPLACED $FESTIVAL_TEST_KEPT"},
        options);
    output.close_write();
    const std::string printed = read_all(output.read);
    wait_for_child(pid);
    ::unsetenv("FESTIVAL_TEST_REPLACED");
    ::unsetenv("FESTIVAL_TEST_KEPT");
    CHECK(printed == "1\nchild kept\n");
}
