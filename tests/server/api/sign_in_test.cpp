// Signing in against a real `festival serve`: attempt limits, the password pool and its queue,
// cookies and ending sessions.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "tests/support/festival_fixture.hpp"
#include "tests/support/test_catalog.hpp"

using namespace festival::testing;
using nlohmann::json;

namespace {

const char* email = fixture_curator;
const char* password = fixture_password;

// The shared fixture with one curator, on a server started with `flags`.
struct sign_in_fixture : festival_fixture {
    explicit sign_in_fixture(std::vector<std::string> flags = {})
        : festival_fixture(fixture_options().with_accounts({{fixture_curator, "curator"}}).with_flags(std::move(flags))) {}
    http_result attempt(const std::string& who, const std::string& secret) const {
        return http_call(port(), "POST", "/api/session", json{{"email", who}, {"password", secret}}.dump());
    }
};

std::string error_code(const http_result& r) { return r.json()["error"]["code"].get<std::string>(); }

// A sign-in sent over its own connection, whose answer is read later.
int send_sign_in(unsigned short port, const std::string& who) {
    const int fd = connect_loopback(port);
    const auto body = json{{"email", who}, {"password", "not the password"}}.dump();
    const auto request = "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         "Connection: close\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    return fd;
}

bool answered(int fd) {
    pollfd readable{fd, POLLIN, 0};
    return ::poll(&readable, 1, 0) > 0;
}

std::string read_answer(int fd) {
    timeval timeout{60, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string answer;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) answer.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    return answer;
}

}  // namespace

TEST_CASE("after five wrong passwords an account is refused with 429, even the right password, until the window passes") {
    sign_in_fixture f({"--sign-in-window-seconds", "6"});
    for (int i = 0; i < 5; ++i) CHECK(f.attempt(email, "wrong password " + std::to_string(i)).status == 401);
    const auto sixth = f.attempt(email, "wrong password 6");
    CHECK(sixth.status == 429);
    CHECK(error_code(sixth) == "too_many_attempts");
    const auto right = f.attempt(email, password);
    REQUIRE(right.status == 429);
    const int retry_after = std::stoi(right.header("retry-after"));
    CHECK(retry_after >= 1);
    CHECK(retry_after <= 6);
    // The email is matched without regard to case: changing it does not buy more guesses.
    CHECK(f.attempt("CURATOR@festival.test", "wrong again").status == 429);
    std::this_thread::sleep_for(std::chrono::seconds(retry_after) + std::chrono::milliseconds(200));
    CHECK(f.attempt(email, password).status == 200);
}

TEST_CASE("a successful sign-in forgets the account's failed attempts") {
    sign_in_fixture f;
    for (int i = 0; i < 4; ++i) CHECK(f.attempt(email, "wrong").status == 401);
    CHECK(f.attempt(email, password).status == 200);
    for (int i = 0; i < 4; ++i) CHECK(f.attempt(email, "wrong").status == 401);
    CHECK(f.attempt(email, password).status == 200);
}

TEST_CASE("one address guessing many accounts is refused with 429 after twenty failures") {
    sign_in_fixture f;
    for (int i = 0; i < 20; ++i) REQUIRE(f.attempt("guess" + std::to_string(i) + "@festival.test", "x").status == 401);
    const auto refused = f.attempt("guess-more@festival.test", "x");
    CHECK(refused.status == 429);
    CHECK_FALSE(refused.header("retry-after").empty());
}

TEST_CASE("while sign-ins are being hashed, GET /api/films is answered before most of them") {
    // The queue is long enough for all of them: none is turned away, each one hashes.
    sign_in_fixture f({"--password-queue", "32"});
    constexpr int sign_ins = 12;
    std::vector<int> pending;
    for (int i = 0; i < sign_ins; ++i) pending.push_back(send_sign_in(f.port(), "flood" + std::to_string(i) + "@x.test"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // they have reached the server
    const auto films = http_call(f.port(), "GET", "/api/films");
    int answered_before = 0;
    for (int fd : pending) answered_before += answered(fd) ? 1 : 0;
    CHECK(films.status == 200);
    CHECK(answered_before < sign_ins / 2);
    for (int fd : pending) CHECK(read_answer(fd).rfind("HTTP/1.1 401", 0) == 0);
}

TEST_CASE("sign-ins beyond the password queue are answered 503 with Retry-After") {
    sign_in_fixture f({"--password-queue", "1"});
    std::vector<int> pending;
    for (int i = 0; i < 8; ++i) pending.push_back(send_sign_in(f.port(), "burst" + std::to_string(i) + "@x.test"));
    int busy = 0, refused = 0;
    for (int fd : pending) {
        const auto answer = read_answer(fd);
        if (answer.rfind("HTTP/1.1 503", 0) == 0) {
            ++busy;
            CHECK(answer.find("Retry-After: ") != std::string::npos);
            CHECK(answer.find("\"sign_in_busy\"") != std::string::npos);
        } else {
            CHECK(answer.rfind("HTTP/1.1 401", 0) == 0);
            ++refused;
        }
    }
    CHECK(busy >= 1);
    CHECK(refused >= 1);
}

TEST_CASE("the session cookie is marked Secure only when secure cookies are on") {
    {
        sign_in_fixture f;
        const auto r = f.attempt(email, password);
        REQUIRE(r.status == 200);
        CHECK(r.header("set-cookie").find("; Secure") == std::string::npos);
    }
    sign_in_fixture f({"--secure-cookies", "on"});
    const auto r = f.attempt(email, password);
    REQUIRE(r.status == 200);
    CHECK(r.header("set-cookie").find("; Secure") != std::string::npos);
    const auto out = signed_in_client{f.port(), r.header("set-cookie").substr(0, r.header("set-cookie").find(';')),
                                      r.json()["csrf_token"].get<std::string>()}
                         .call("DELETE", "/api/session");
    CHECK(out.header("set-cookie").find("; Secure") != std::string::npos);
}

TEST_CASE("DELETE /api/session?everywhere=1 ends every session of the signed-in user") {
    sign_in_fixture f;
    const auto laptop = sign_in(f.port(), email, password);
    const auto phone = sign_in(f.port(), email, password);
    CHECK(laptop.call("DELETE", "/api/session?everywhere=1", "", false).status == 403);  // needs the CSRF token
    CHECK(phone.call("GET", "/api/session").status == 200);
    CHECK(laptop.call("DELETE", "/api/session?everywhere=1").status == 204);
    CHECK(laptop.call("GET", "/api/session").status == 401);
    CHECK(phone.call("GET", "/api/session").status == 401);
}

TEST_CASE("festival user sign-out-everywhere ends a user's sessions from the command line") {
    sign_in_fixture f;
    const auto laptop = sign_in(f.port(), email, password);
    const auto phone = sign_in(f.port(), email, password);
    std::string output;
    CHECK(run_command({FESTIVAL_EXE, "user", "sign-out-everywhere", "--email", email, "--data-dir",
                       f.dir.path().string(), "--catalog", festival::test::catalog_location_of(f.dir.path())},
                      output) == 0);
    CHECK(output.find("ended 2 sessions") != std::string::npos);
    CHECK(laptop.call("GET", "/api/session").status == 401);
    CHECK(phone.call("GET", "/api/session").status == 401);
    CHECK(run_command({FESTIVAL_EXE, "user", "sign-out-everywhere", "--email", "nobody@x.test", "--data-dir",
                       f.dir.path().string(), "--catalog", festival::test::catalog_location_of(f.dir.path())},
                      output) != 0);
}
