#include "tests/support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace festival::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// One request and its answer over `socket`, already connected to the server on `port`.
http_result exchange(tcp::socket& socket, unsigned short port, const std::string& method, const std::string& target,
                     const std::string& body, const header_list& headers) {
    http::request<http::string_body> request(http::string_to_verb(method), target, 11);
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    bool has_type = false;
    for (const auto& [name, value] : headers) {
        request.set(name, value);
        if (name == "Content-Type") has_type = true;
    }
    if (!body.empty() && !has_type) request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    http::write(socket, request);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ULL << 30);
    if (method == "HEAD") parser.skip(true);
    http::read(socket, buffer, parser);
    http_result result;
    const auto& response = parser.get();
    result.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        result.headers[name] = std::string(field.value());
    }
    result.body = response.body();
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    return result;
}

}  // namespace

http_result http_call(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body, const header_list& headers) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    return exchange(socket, port, method, target, body, headers);
}

http_result http_call_from(const std::string& local_address, unsigned short port, const std::string& method,
                           const std::string& target, const std::string& body, const header_list& headers) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.open(tcp::v4());
    socket.bind(tcp::endpoint(asio::ip::make_address(local_address), 0));
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    return exchange(socket, port, method, target, body, headers);
}

namespace {

enum class read_until { closed, one_answer };

// What the server sends on `socket` until it closes (or the receive timeout passes), or, with
// read_until::one_answer, until the first answer's Content-Length is complete.
std::string read_raw(tcp::socket& socket, read_until until) {
    boost::system::error_code ec;
    std::string answer;
    char chunk[4096];
    while (true) {
        const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
        if (ec || n == 0) break;
        answer.append(chunk, n);
        if (until != read_until::one_answer) continue;
        if (const auto end = answer.find("\r\n\r\n"); end != std::string::npos) {
            const auto length = answer.find("Content-Length: ");
            if (length != std::string::npos && length < end &&
                answer.size() >= end + 4 + std::stoul(answer.substr(length + 16)))
                break;
        }
    }
    return answer;
}

}  // namespace

std::string raw_exchange(unsigned short port, const std::string& bytes) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval timeout{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(bytes), ec);  // the server may answer and stop reading early
    socket.shutdown(tcp::socket::shutdown_send, ec);
    return read_raw(socket, read_until::closed);
}

std::string raw_exchange_in_two_parts(unsigned short port, const std::string& first,
                                      const std::function<void()>& between, const std::string& second) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval timeout{10, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    asio::write(socket, asio::buffer(first));
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the server writes what came
    between();
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(second), ec);  // the server may answer and stop reading early
    return read_raw(socket, read_until::one_answer);
}

int connect_loopback(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    return fd;
}

http_result signed_in_client::call(const std::string& method, const std::string& target, const std::string& body,
                                   bool with_csrf) const {
    header_list headers = {{"Cookie", cookie}};
    if (with_csrf) headers.emplace_back("X-CSRF-Token", csrf_token);
    return http_call(port, method, target, body, headers);
}

signed_in_client sign_in(unsigned short port, const std::string& email, const std::string& password) {
    const auto result = http_call(port, "POST", "/api/session",
                                  nlohmann::json{{"email", email}, {"password", password}}.dump());
    if (result.status != 200) throw std::runtime_error("sign-in failed: " + result.body);
    signed_in_client client;
    client.port = port;
    const auto set_cookie = result.header("set-cookie");
    client.cookie = set_cookie.substr(0, set_cookie.find(';'));
    client.csrf_token = result.json()["csrf_token"].get<std::string>();
    return client;
}

}  // namespace festival::testing
