#pragma once
// A small blocking HTTP/1.1 client for integration tests (Beast, one connection per call).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace festival::testing {

struct http_result {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    nlohmann::json json() const { return nlohmann::json::parse(body); }
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

using header_list = std::vector<std::pair<std::string, std::string>>;

http_result http_call(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body = "", const header_list& headers = {});

// The same call from a chosen loopback address (127.0.0.N), so the server sees another client.
http_result http_call_from(const std::string& local_address, unsigned short port, const std::string& method,
                           const std::string& target, const std::string& body = "", const header_list& headers = {});

// Sends bytes as they are and returns everything the server answers until it closes (or 5 s pass).
std::string raw_exchange(unsigned short port, const std::string& bytes);
// Sends `first`, gives the server 400 ms to take it in, runs `between`, then sends `second` (the server
// may have answered and stopped reading by then); returns the one answer, read until its Content-Length
// is complete, the server closes, or 10 s pass.
std::string raw_exchange_in_two_parts(unsigned short port, const std::string& first,
                                      const std::function<void()>& between, const std::string& second);

// A plain blocking TCP connection to 127.0.0.1:port (the test stops if it fails); the caller closes it.
int connect_loopback(unsigned short port);

// A signed-in browser: keeps the session cookie and CSRF token from POST /api/session.
struct signed_in_client {
    unsigned short port = 0;
    std::string cookie;
    std::string csrf_token;
    http_result call(const std::string& method, const std::string& target, const std::string& body = "",
                     bool with_csrf = true) const;
};
signed_in_client sign_in(unsigned short port, const std::string& email, const std::string& password);

}  // namespace festival::testing
