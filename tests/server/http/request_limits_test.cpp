// What one anonymous request may make the server hold, whatever its framing: a real `festival serve`
// spoken to over raw sockets, with its resident memory read from /proc.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "tests/support/festival_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;

namespace {

// The server's resident memory in KiB (VmRSS in /proc/<pid>/status).
long resident_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// A loopback connection whose sends and receives give up after 5 s.
int connect_with_timeouts(unsigned short port) {
    const int fd = connect_loopback(port);
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return fd;
}

struct flood_outcome {
    std::string answer;      // everything the server sent before closing
    std::size_t sent = 0;    // bytes of the request it accepted
    bool closed = false;     // the server closed the connection
};

// Sends `head`, then `filler` over and over (up to `budget` bytes), stopping as soon as the server
// answers; then reads the answer until the server closes.
flood_outcome flood(unsigned short port, const std::string& head, const std::string& filler, std::size_t budget) {
    flood_outcome out;
    const int fd = connect_with_timeouts(port);
    std::string piece = head;
    while (out.sent < budget) {
        pollfd readable{fd, POLLIN, 0};
        if (::poll(&readable, 1, 0) > 0) break;  // the server has answered (or closed)
        const ssize_t n = ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL);
        if (n <= 0) break;  // refused mid-request: the answer is waiting
        out.sent += static_cast<std::size_t>(n);
        piece.erase(0, static_cast<std::size_t>(n));
        while (piece.size() < 64 * 1024) piece += filler;
    }
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) out.answer.append(buffer, static_cast<std::size_t>(n));
    out.closed = n == 0 || (n < 0 && errno == ECONNRESET);
    ::close(fd);
    return out;
}

const std::string chunked_comment_head =
    "POST /api/films/any/comments HTTP/1.1\r\nHost: festival\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

struct memory_fixture {
    temp_dir dir;
    festival_process server{dir.path().string()};
    long baseline_kib = 0;
    memory_fixture() {
        REQUIRE(http_call(server.port(), "GET", "/api/films").status == 200);
        baseline_kib = resident_kib(server.pid());
        REQUIRE(baseline_kib > 0);
    }
    long grown_kib() const { return resident_kib(server.pid()) - baseline_kib; }
};

constexpr std::size_t flood_budget = 32 * 1024 * 1024;

}  // namespace

TEST_CASE("an endless chunk extension is refused with 413 and the server's memory stays small") {
    memory_fixture f;
    const auto out = flood(f.server.port(), chunked_comment_head + "1;name=", std::string(4096, 'x'), flood_budget);
    CHECK(out.answer.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(out.answer.find("\"body_too_large\"") != std::string::npos);
    CHECK(out.closed);
    CHECK(out.sent < flood_budget);
    CHECK(f.grown_kib() < 16 * 1024);
    CHECK(http_call(f.server.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("an endless trailer section is refused with 413 and the server's memory stays small") {
    memory_fixture f;
    const auto out = flood(f.server.port(), chunked_comment_head + "2\r\n{}\r\n0\r\n",
                           "X-Trailer: " + std::string(100, 'y') + "\r\n", flood_budget);
    CHECK(out.answer.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(out.closed);
    CHECK(out.sent < flood_budget);
    CHECK(f.grown_kib() < 16 * 1024);
}

TEST_CASE("a malformed chunk size is answered 400 bad_request before the connection closes") {
    temp_dir dir;
    festival_process server(dir.path().string());
    for (const std::string body : {"zz\r\n{}\r\n0\r\n\r\n", "2;\x01\r\n{}\r\n0\r\n\r\n", "-2\r\n{}\r\n0\r\n\r\n"}) {
        CAPTURE(body);
        const auto answer = raw_exchange(server.port(), chunked_comment_head + body);
        CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
        CHECK(answer.find("\"bad_request\"") != std::string::npos);
        CHECK(answer.find("Connection: close") != std::string::npos);
    }
}

TEST_CASE("a last chunk and its trailer sent a byte at a time are answered like any other body") {
    // http_request_fuzz: Beast 1.81 asserted on this in builds with assertions (the sanitizer build).
    temp_dir dir;
    festival_process server(dir.path().string());
    const int fd = connect_with_timeouts(server.port());
    const std::string request = chunked_comment_head + "2\r\n{}\r\n0\r\n\r\n";
    for (const char byte : request) REQUIRE(::send(fd, &byte, 1, MSG_NOSIGNAL) == 1);
    std::string answer;
    char buffer[4096];
    while (answer.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    CHECK(answer.rfind("HTTP/1.1 4", 0) == 0);  // the film does not exist: an answer, not a dead server
    CHECK(http_call(server.port(), "GET", "/healthz").status == 200);
}
