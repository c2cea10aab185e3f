// WebSockets in the HTTP core: a real server with a small echo route, and Beast's websocket client
// (or a raw socket, for clients that misbehave on purpose).
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "server/api/dispatcher.hpp"
#include "server/http/http_server.hpp"
#include "server/http/metrics.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/metrics_text.hpp"

using namespace festival::server;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// What the sessions of one test server saw, shared with the test's thread.
struct session_log {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::shared_ptr<websocket_peer>> peers;  // in the order they opened
    std::vector<int> closes;                             // per peer: how many times on_close ran
    std::atomic<bool> overlapping{false};                // two on_message calls at once

    // Waits (up to 30 s) until `done` holds, under the lock; its last answer.
    bool wait_for(const std::function<bool()>& done) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(30), done);
    }
    int closed(std::size_t peer) {
        std::lock_guard lock(mutex);
        return peer < closes.size() ? closes[peer] : 0;
    }
};

// Echoes each message; "close" closes with 4000.
struct echo_session : websocket_session {
    std::shared_ptr<session_log> log;
    std::shared_ptr<websocket_peer> peer;
    std::size_t index = 0;
    std::atomic<int> inside{0};

    explicit echo_session(std::shared_ptr<session_log> l) : log(std::move(l)) {}
    void on_open(std::shared_ptr<websocket_peer> p) override {
        peer = p;
        std::lock_guard lock(log->mutex);
        index = log->peers.size();
        log->peers.push_back(std::move(p));
        log->closes.push_back(0);
        log->changed.notify_all();
    }
    void on_message(std::string_view text) override {
        if (inside.fetch_add(1) != 0) log->overlapping = true;
        if (text == "close") peer->close(4000, "asked to");
        else peer->send(std::make_shared<const std::string>(text));
        inside.fetch_sub(1);
    }
    void on_close() override {
        std::lock_guard lock(log->mutex);
        ++log->closes[index];
        log->changed.notify_all();
    }
};

struct ws_test_server {
    std::shared_ptr<session_log> log = std::make_shared<session_log>();
    std::unique_ptr<dispatcher> routes;
    std::unique_ptr<http_server> server;
    std::thread runner;

    explicit ws_test_server(websocket_options settings = {}) {
        std::vector<route> table = {
            {"GET", "/ws", access::anyone, runs_on::io_thread, 0,
             [this, settings](http_request&) {
                 http_response answer;
                 answer.websocket = std::make_shared<echo_session>(log);
                 answer.websocket_settings = settings;
                 return answer;
             }},
        };
        routes = std::make_unique<dispatcher>(router(std::move(table)), [](const std::string&) { return std::nullopt; });
        server_options options;
        options.port = 0;
        options.access_log = false;
        options.every_answer_lines = "Strict-Transport-Security: max-age=60\r\n";
        options.metrics = true;
        server = std::make_unique<http_server>(options, *routes);
        runner = std::thread([this] { server->run(); });
    }
    ~ws_test_server() {
        server->stop();
        if (runner.joinable()) runner.join();
    }
    unsigned short port() const { return server->port(); }
    // How many requests to /ws were answered with `code`, as the metrics count them.
    double answered(const std::string& code) const {
        std::string text;
        metrics_text out(text);
        server->metrics()->write(out);
        return festival::testing::parse_metrics_text(text).value_or_zero(
            R"(festival_http_requests_total{method="GET",route="/ws",code=")" + code + "\"}");
    }
    // Whether that count reaches `expected` within 10 s: a loop counts an answer just after sending it.
    bool counts(const std::string& code, double expected) const {
        for (int i = 0; i < 1000 && answered(code) != expected; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return answered(code) == expected;
    }
};

// A Beast client; every wait is bounded.
struct ws_client {
    asio::io_context io;
    websocket::stream<tcp::socket> ws{io};
    websocket::response_type answer;

    explicit ws_client(unsigned short port, int receive_buffer = 0) {
        ws.next_layer().open(tcp::v4());
        if (receive_buffer > 0) ws.next_layer().set_option(asio::socket_base::receive_buffer_size(receive_buffer));
        ws.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        ws.handshake(answer, "127.0.0.1", "/ws");
    }
    void send(const std::string& text) { ws.write(asio::buffer(text)); }
    // The next message; nullopt once the connection ended (`ended` says how) or 10 s passed.
    std::optional<std::string> read(beast::error_code* ended = nullptr) {
        beast::flat_buffer buffer;
        beast::error_code ec;
        bool done = false;
        ws.async_read(buffer, [&](beast::error_code e, std::size_t) { ec = e, done = true; });
        io.restart();
        io.run_for(std::chrono::seconds(10));
        if (!done) {
            beast::get_lowest_layer(ws).close(ec);
            io.restart();
            io.run();
            ec = asio::error::timed_out;
        }
        if (ended) *ended = ec;
        if (ec) return std::nullopt;
        return beast::buffers_to_string(buffer.data());
    }
    // Reads until the connection ends; the close code the server sent (0: none).
    int close_code() {
        beast::error_code ended;
        for (int i = 0; i < 100000 && read(&ended);) ++i;
        return ended == websocket::error::closed ? static_cast<int>(ws.reason().code) : 0;
    }
};

constexpr char upgrade_request[] =
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

// A client's text frame (masked, as clients must), payload under 126 bytes.
std::string client_text_frame(const std::string& text) {
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    std::string frame = {static_cast<char>(0x81), static_cast<char>(0x80 | text.size())};
    frame.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < text.size(); ++i) frame += static_cast<char>(text[i] ^ mask[i % 4]);
    return frame;
}

// What a raw socket receives until the server closes it, `enough` is found, or `seconds` pass
// without a byte.
std::string read_until_closed(int fd, int seconds, const std::string& enough = {}) {
    timeval timeout{seconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string received;
    char chunk[4096];
    ssize_t n = 0;
    while ((enough.empty() || received.find(enough) == std::string::npos) &&
           (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0)
        received.append(chunk, static_cast<std::size_t>(n));
    return received;
}

}  // namespace

TEST_CASE("a WebSocket handshake answers 101 with the server's every-answer lines, then echoes and closes") {
    ws_test_server s;
    {
        ws_client client(s.port());
        CHECK(client.answer.result_int() == 101);
        CHECK(client.answer[beast::http::field::strict_transport_security] == "max-age=60");
        CHECK(client.answer[beast::http::field::server] == "festival");
        CHECK(client.answer[beast::http::field::sec_websocket_extensions].empty());  // no permessage-deflate
        client.send("bonsoir");
        CHECK(client.read() == "bonsoir");
        client.ws.close(websocket::close_code::normal);
    }
    REQUIRE(s.log->wait_for([&] { return s.log->closes.size() == 1 && s.log->closes[0] == 1; }));
    // The peer outlives its connection: its calls then do nothing.
    s.log->peers[0]->send(std::make_shared<const std::string>("too late"));
    s.log->peers[0]->close(1000, "again");
    CHECK(s.log->closed(0) == 1);
    CHECK(s.counts("101", 1));  // the handshake
}

TEST_CASE("a WebSocket session's close() sends what is queued, then its code") {
    ws_test_server s;
    ws_client client(s.port());
    client.send("first");
    client.send("close");
    CHECK(client.read() == "first");
    CHECK(client.close_code() == 4000);
    REQUIRE(s.log->wait_for([&] { return s.log->closes.size() == 1 && s.log->closes[0] == 1; }));
}

TEST_CASE("WebSocket messages arrive in order, echoed and sent from another thread") {
    ws_test_server s;
    ws_client client(s.port());
    for (int i = 0; i < 1000; ++i) client.send("m" + std::to_string(i));
    int in_order = 0;
    for (int i = 0; i < 1000; ++i)
        if (client.read() == "m" + std::to_string(i)) ++in_order;
    CHECK(in_order == 1000);
    CHECK_FALSE(s.log->overlapping.load());

    std::shared_ptr<websocket_peer> peer;
    REQUIRE(s.log->wait_for([&] { return !s.log->peers.empty(); }));
    peer = s.log->peers[0];
    std::thread sender([peer] {
        for (int i = 0; i < 1000; ++i) peer->send(std::make_shared<const std::string>("t" + std::to_string(i)));
    });
    in_order = 0;
    for (int i = 0; i < 1000; ++i)
        if (client.read() == "t" + std::to_string(i)) ++in_order;
    sender.join();
    CHECK(in_order == 1000);
}

TEST_CASE("a WebSocket message over the limit closes with 1009, a binary one with 1003") {
    websocket_options settings;
    settings.max_message_bytes = 1024;
    ws_test_server s(settings);
    {
        ws_client client(s.port());
        client.send(std::string(1024, 'a'));
        CHECK(client.read() == std::string(1024, 'a'));
        client.send(std::string(1025, 'a'));
        CHECK(client.close_code() == 1009);
    }
    {
        ws_client client(s.port());
        client.ws.binary(true);
        client.send("\x01\x02");
        CHECK(client.close_code() == 1003);
    }
    REQUIRE(s.log->wait_for([&] { return s.log->closes.size() == 2 && s.log->closes[0] == 1 && s.log->closes[1] == 1; }));
}

TEST_CASE("a WebSocket client that stops reading is closed once its queue is full, the others are served") {
    websocket_options settings;
    settings.max_queued_bytes = 64 * 1024;
    settings.idle_timeout = std::chrono::seconds(600);  // only the queue can end it here
    ws_test_server s(settings);
    ws_client stalled(s.port(), 4096);
    REQUIRE(s.log->wait_for([&] { return s.log->peers.size() == 1; }));
    ws_client reader(s.port());
    REQUIRE(s.log->wait_for([&] { return s.log->peers.size() == 2; }));
    const auto stalled_peer = s.log->peers[0];
    const auto reader_peer = s.log->peers[1];
    const auto piece = std::make_shared<const std::string>(4096, 'x');
    // Both get the same messages; only one reads them. Bounded: 64 MiB, far more than the socket
    // buffers and the queue hold.
    int read_back = 0;
    for (int round = 0; round < 16384 && s.log->closed(0) == 0; ++round) {
        stalled_peer->send(piece);
        reader_peer->send(piece);
        if (reader.read() == *piece) ++read_back;
    }
    CHECK(read_back > 0);
    REQUIRE(s.log->wait_for([&] { return s.log->closes[0] == 1; }));
    CHECK(s.log->closed(1) == 0);
    reader.send("still here");
    CHECK(reader.read() == "still here");
}

TEST_CASE("a WebSocket client that answers no ping is dropped after the idle timeout") {
    websocket_options settings;
    settings.idle_timeout = std::chrono::seconds(2);
    ws_test_server s(settings);
    const int fd = festival::testing::connect_loopback(s.port());
    const std::string request = upgrade_request;
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    // Never answers: neither the ping nor anything else.
    const auto received = read_until_closed(fd, 10);
    ::close(fd);
    CHECK(received.rfind("HTTP/1.1 101", 0) == 0);
    const auto body = received.find("\r\n\r\n");
    REQUIRE(body != std::string::npos);
    CHECK(received.find('\x89', body) != std::string::npos);  // a ping frame came first
    REQUIRE(s.log->wait_for([&] { return s.log->closes.size() == 1 && s.log->closes[0] == 1; }));
}

TEST_CASE("a WebSocket message sent right behind the upgrade request is read") {
    ws_test_server s;
    const int fd = festival::testing::connect_loopback(s.port());
    const std::string bytes = upgrade_request + client_text_frame("early");
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
    // The echo, unmasked: 0x81, length 5, "early".
    const std::string echo = "\x81\x05" "early";
    const auto received = read_until_closed(fd, 10, echo);
    ::close(fd);
    CHECK(received.find(echo) != std::string::npos);
}

TEST_CASE("a plain GET to a WebSocket route is answered 426") {
    ws_test_server s;
    const auto answer = festival::testing::http_call(s.port(), "GET", "/ws");
    CHECK(answer.status == 426);
    CHECK(answer.json()["error"]["code"] == "upgrade_required");
    CHECK(answer.header("upgrade") == "websocket");
    // Asking for the upgrade without its key: Beast's 400, and still no session.
    const auto keyless = festival::testing::http_call(s.port(), "GET", "/ws", "",
                                                      {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}});
    CHECK(keyless.status == 400);
    CHECK(s.counts("426", 1));
    CHECK(s.counts("400", 1));
    CHECK(s.answered("101") == 0);
    std::lock_guard lock(s.log->mutex);
    CHECK(s.log->peers.empty());
}

TEST_CASE("stopping the server closes its WebSockets with 1001 and ends their sessions") {
    ws_test_server s;
    ws_client first(s.port());
    ws_client second(s.port());
    REQUIRE(s.log->wait_for([&] { return s.log->peers.size() == 2; }));
    s.server->stop();
    CHECK(first.close_code() == 1001);
    CHECK(second.close_code() == 1001);
    s.runner.join();
    CHECK(s.log->closed(0) == 1);
    CHECK(s.log->closed(1) == 1);
}
