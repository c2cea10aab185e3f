#include "server/http/inherited_listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace festival::server {
namespace {

std::optional<long> number_in(const char* name) {
    const char* text = std::getenv(name);
    if (!text) return std::nullopt;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (end == text || *end != '\0') throw std::invalid_argument(std::string(name) + " is not a number: " + text);
    return value;
}

int checked_listener(long fd, const char* origin) {
    int listening = 0;
    socklen_t size = sizeof listening;
    int type = 0;
    socklen_t type_size = sizeof type;
    if (fd < 3 || ::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 ||
        !listening || ::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &type_size) != 0 ||
        type != SOCK_STREAM)
        throw std::invalid_argument(std::string(origin) + ": descriptor " + std::to_string(fd) +
                                    " is not a listening stream socket");
    // Only a successor started on purpose receives it again (passed explicitly).
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    return static_cast<int>(fd);
}

}  // namespace

std::optional<int> take_inherited_listener() {
    if (const auto fd = number_in("FESTIVAL_LISTEN_FD")) {
        ::unsetenv("FESTIVAL_LISTEN_FD");
        return checked_listener(*fd, "FESTIVAL_LISTEN_FD");
    }
    const auto count = number_in("LISTEN_FDS");
    const auto for_pid = number_in("LISTEN_PID");
    if (!count || !for_pid || *for_pid != static_cast<long>(::getpid())) return std::nullopt;  // not meant for us
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDNAMES");
    if (*count != 1)
        throw std::invalid_argument("systemd passed " + std::to_string(*count) +
                                    " sockets (LISTEN_FDS); the festival listens on exactly one");
    return checked_listener(3, "LISTEN_FDS");
}

}  // namespace festival::server
