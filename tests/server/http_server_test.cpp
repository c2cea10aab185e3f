// The HTTP layer on its own: an in-process server with a small route table of its own.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "server/dispatcher.hpp"
#include "server/http_server.hpp"
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

    test_server() {
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
