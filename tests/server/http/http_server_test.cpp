// The HTTP layer on its own: an in-process server with a small route table of its own.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <cerrno>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "server/api/dispatcher.hpp"
#include "server/http/http_server.hpp"
#include "tests/support/http_client.hpp"

using namespace festival::server;
using festival::testing::http_call;
using festival::testing::raw_exchange;

namespace {

// Collects an upload in memory and records how it ended.
struct recording_sink : body_sink {
    std::string* received;
    std::atomic<bool>* interrupted_flag;
    recording_sink(std::string* r, std::atomic<bool>* i) : received(r), interrupted_flag(i) {}
    void write(std::string_view piece) override {
        if (piece.find("STOP") != std::string_view::npos) throw http_error(460, "checksum_mismatch", "bad piece");
        received->append(piece);
    }
    http_response finish() override { return http_response::json(201, {{"bytes", received->size()}}); }
    void interrupted() noexcept override { *interrupted_flag = true; }
};

struct test_server {
    std::string received;
    std::atomic<bool> interrupted{false};
    std::atomic<int> polls{0};
    std::unique_ptr<dispatcher> routes;
    std::unique_ptr<http_server> server;
    std::thread runner;

    explicit test_server(std::chrono::seconds idle_timeout = std::chrono::seconds(75)) {
        std::vector<route> table = {
            {"GET", "/hello", access::anyone, runs_on::io_thread, 0,
             [](http_request& r) { return http_response::json(200, {{"path", r.path}}); }},
            {"GET", "/slow", access::anyone, runs_on::worker_pool, 0,
             [](http_request&) {
                 std::this_thread::sleep_for(std::chrono::milliseconds(300));
                 return http_response::json(200, {{"slow", true}});
             }},
            {"GET", "/events", access::anyone, runs_on::worker_pool, 0,
             [this](http_request&) {
                 http_response r;
                 r.set_header("Content-Type", "text/event-stream");
                 r.events = std::make_shared<event_stream>();
                 r.events->interval = std::chrono::milliseconds(20);
                 r.events->poll = [this]() -> std::optional<std::string> {
                     const int n = ++polls;
                     if (n > 3) return std::nullopt;
                     return "data: " + std::to_string(n) + "\n\n";
                 };
                 return r;
             }},
        };
        route upload{"POST", "/upload", access::anyone, runs_on::worker_pool, 10 * 1024 * 1024, nullptr};
        upload.open_sink = [this](http_request& r) -> std::unique_ptr<body_sink> {
            if (r.header("x-refuse")) throw http_error(409, "offset_mismatch", "refused before the body");
            return std::make_unique<recording_sink>(&received, &interrupted);
        };
        table.push_back(upload);
        routes = std::make_unique<dispatcher>(router(std::move(table)),
                                              [](const std::string&) { return std::nullopt; });
        server_options options;
        options.port = 0;
        options.access_log = false;
        options.read_timeout = std::chrono::seconds(2);
        options.idle_timeout = idle_timeout;
        server = std::make_unique<http_server>(options, *routes);
        runner = std::thread([this] { server->run(); });
    }
    ~test_server() {
        server->stop();
        runner.join();
    }
    unsigned short port() const { return server->port(); }
};

}  // namespace

TEST_CASE("keep-alive connections answer pipelined requests in order") {
    test_server s;
    const auto answer = raw_exchange(s.port(),
                                     "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                                     "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                                     "GET /hello?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto first = answer.find("{\"slow\":true}");
    const auto second = answer.find("{\"path\":\"/hello\"}");
    REQUIRE(first != std::string::npos);
    REQUIRE(second != std::string::npos);
    CHECK(first < second);
    CHECK(answer.find("{\"path\":\"/hello\"}", second + 1) != std::string::npos);
}

namespace {

// Reads until the server closes the connection, or nothing came for five seconds.
void read_until_end(boost::asio::ip::tcp::socket& socket, std::string& out) {
    timeval timeout{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char chunk[4096];
    ssize_t n = 0;
    while ((n = ::recv(socket.native_handle(), chunk, sizeof chunk, 0)) > 0) out.append(chunk, static_cast<std::size_t>(n));
}

// Opens a connection, sends `bytes` (keeping the connection open) and reads until the server closes
// it; returns what came and how long the server took to close (at most `wait`).
std::pair<std::string, std::chrono::milliseconds> read_until_closed(unsigned short port, const std::string& bytes,
                                                                    std::chrono::seconds wait) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    timeval timeout{static_cast<time_t>(wait.count()), 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    const auto started = std::chrono::steady_clock::now();
    if (!bytes.empty()) asio::write(socket, asio::buffer(bytes));
    std::string answer;
    char chunk[4096];
    bool closed = false;
    while (true) {
        // Plain recv: SO_RCVTIMEO ends it after `wait` (Asio's read_some would poll on).
        const ssize_t n = ::recv(socket.native_handle(), chunk, sizeof chunk, 0);
        if (n > 0) {
            answer.append(chunk, static_cast<std::size_t>(n));
            continue;
        }
        closed = n == 0 || errno == ECONNRESET;
        break;
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return {answer, closed ? took : std::chrono::milliseconds::max()};
}

}  // namespace

TEST_CASE("idle and stalled connections are closed once the idle timeout has passed, within two seconds") {
    test_server s(std::chrono::seconds(1));
    // Nothing sent, half a header, and a keep-alive connection after its answer: each is closed
    // after the timeout and within three seconds (the timeout, then the once-a-second sweep).
    for (const std::string& bytes : {std::string(), std::string("GET /hello HTTP/1.1\r\nHo"),
                                    std::string("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")}) {
        const auto [answer, took] = read_until_closed(s.port(), bytes, std::chrono::seconds(6));
        CHECK(took >= std::chrono::milliseconds(950));
        CHECK(took < std::chrono::seconds(4));
        if (bytes.ends_with("\r\n\r\n")) {
            CHECK(answer.find("{\"path\":\"/hello\"}") != std::string::npos);
        } else {
            CHECK(answer.empty());  // a stalled header gets no answer, just the end of the connection
        }
    }
    // The default (75 s) keeps an idle connection open.
    test_server patient;
    const auto [answer, took] = read_until_closed(patient.port(), "", std::chrono::seconds(3));
    CHECK(took == std::chrono::milliseconds::max());
}

TEST_CASE("a request sent in pieces and a later one on the same connection are answered, each with a Date") {
    // A read that found the socket empty waits for the kernel to say more came: each pause below
    // leaves the server's read with nothing, and it must still wake for what follows.
    namespace asio = boost::asio;
    test_server s;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), s.port()});
    const auto pause = [] { std::this_thread::sleep_for(std::chrono::milliseconds(150)); };
    for (const char* piece : {"GET /hel", "lo HTTP/1.1\r\nHo", "st: x\r\n", "\r\n"}) {
        asio::write(socket, asio::buffer(std::string(piece)));
        pause();
    }
    asio::write(socket, asio::buffer(std::string("GET /hello?again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
    std::string answer;
    read_until_end(socket, answer);
    const auto first = answer.find("HTTP/1.1 200 OK\r\n");
    REQUIRE(first != std::string::npos);
    const auto second = answer.find("HTTP/1.1 200 OK\r\n", first + 1);
    REQUIRE(second != std::string::npos);
    CHECK(std::count(answer.begin(), answer.end(), '{') == 2);
    // IMF-fixdate, e.g. "Date: Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7), in both answers.
    const std::regex date("Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                          "\\d{4} \\d\\d:\\d\\d:\\d\\d GMT\r\n");
    CHECK(std::distance(std::sregex_iterator(answer.begin(), answer.end(), date), std::sregex_iterator()) == 2);
}

TEST_CASE("a streamed body reaches its sink piece by piece and the sink answers") {
    test_server s;
    const std::string body(3 * 1024 * 1024 + 17, 'b');
    const auto r = http_call(s.port(), "POST", "/upload", body, {{"Content-Type", "application/offset+octet-stream"}});
    CHECK(r.status == 201);
    CHECK(s.received == body);
    CHECK_FALSE(s.interrupted);
}

TEST_CASE("a sink may refuse before the body and stop on a bad piece") {
    test_server s;
    const auto refused = http_call(s.port(), "POST", "/upload", "data", {{"X-Refuse", "1"}});
    CHECK(refused.status == 409);
    CHECK(s.received.empty());
    const auto stopped = http_call(s.port(), "POST", "/upload", "ok then STOP");
    CHECK(stopped.status == 460);
    CHECK(stopped.json()["error"]["code"] == "checksum_mismatch");
}

TEST_CASE("a client that leaves mid-body leaves an interrupted sink, and bodies over the limit get 413") {
    test_server s;
    raw_exchange(s.port(), "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nonly this much");
    for (int i = 0; i < 100 && !s.interrupted; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(s.interrupted);
    CHECK(s.received == "only this much");
    const auto too_big = raw_exchange(s.port(), "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n");
    CHECK(too_big.rfind("HTTP/1.1 413", 0) == 0);
}

TEST_CASE("on one connection: an upload, a header larger than its arena, then a plain request, each answered") {
    // A connection's request memory is handed back between requests and reused by the next one:
    // what an upload or a large header leaves behind must not leak into the request after it.
    test_server s;
    const std::string body(300 * 1024 + 5, 'u');
    const std::string cookie(6000, 'c');
    const auto answer = raw_exchange(s.port(),
                                     "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                                         "\r\n\r\n" + body +
                                         "GET /hello?big HTTP/1.1\r\nHost: x\r\nCookie: k=" + cookie + "\r\n\r\n"
                                         "GET /hello?last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK(s.received == body);
    CHECK_FALSE(s.interrupted);
    const auto created = answer.find("HTTP/1.1 201 Created\r\n");
    REQUIRE(created != std::string::npos);
    const auto second = answer.find("HTTP/1.1 200 OK\r\n", created);
    REQUIRE(second != std::string::npos);
    const auto third = answer.find("HTTP/1.1 200 OK\r\n", second + 1);
    REQUIRE(third != std::string::npos);
    CHECK(answer.find("{\"bytes\":" + std::to_string(body.size()) + "}") != std::string::npos);
    CHECK(answer.find("{\"path\":\"/hello\"}", second) < third);
    CHECK(answer.find("{\"path\":\"/hello\"}", third) != std::string::npos);
}

TEST_CASE("an event stream sends each polled event and ends when the source does") {
    test_server s;
    const auto answer = raw_exchange(s.port(), "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(answer.find("text/event-stream") != std::string::npos);
    CHECK(answer.find("Content-Length") == std::string::npos);
    CHECK(answer.find("data: 1\n\ndata: 2\n\ndata: 3\n\n") != std::string::npos);
}

TEST_CASE("stopping the server lets a request in flight finish first") {
    test_server s;
    festival::testing::http_result slow;
    std::thread client([&] { slow = http_call(s.port(), "GET", "/slow"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the handler is now sleeping on the pool
    s.server->stop();
    client.join();
    CHECK(slow.status == 200);
    CHECK(slow.json()["slow"] == true);
}
