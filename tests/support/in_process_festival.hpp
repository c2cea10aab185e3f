#pragma once
// The festival's real route table and dispatcher called without a socket or a child process: an app
// on a fresh catalog in a temporary folder, requests built as the HTTP core builds them, and staff
// sessions opened in the catalog directly. Handler tests run in milliseconds on it; the fuzz
// targets use it too. Needs no test framework (the fuzzers link it without doctest).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/api/dispatcher.hpp"
#include "server/festival_app.hpp"

namespace festival::testing {

// A signed-in staff member as the dispatcher sees one.
struct in_process_session {
    catalog::signed_in who;
    std::string cookie;  // "festival_session=<token>", as the browser sends it
};

using request_headers = std::vector<std::pair<std::string, std::string>>;

class in_process_festival {
public:
    // `flags` are `festival serve` flags (--data-dir and --transcoders are set here).
    explicit in_process_festival(const std::vector<std::string>& flags = {});
    ~in_process_festival();
    in_process_festival(const in_process_festival&) = delete;
    in_process_festival& operator=(const in_process_festival&) = delete;

    server::festival_app& app() { return *app_; }
    // The calling thread's connection to the catalog, as handlers use it.
    catalog::database& db() { return app_->catalog.local(); }
    const server::dispatcher& routes() const { return *routes_; }
    const std::string& data_dir() const { return data_dir_; }

    // An account and an open session, written to the catalog directly: no password is hashed, so
    // this account cannot sign in (add_account makes one that can).
    in_process_session add_staff(const std::string& email, catalog::role role);
    // An account whose password signs in through POST /api/session (hashed: slow on purpose).
    catalog::user add_account(const std::string& email, catalog::role role, const std::string& password);

    // A request as the HTTP core hands it over: the target split into a decoded path and a query,
    // header names lower-cased, a body typed application/json unless a Content-Type is given.
    server::http_response call(const std::string& method, const std::string& target, const std::string& body = "",
                               const request_headers& headers = {}, const std::string& remote_address = "127.0.0.1");
    // The same with `who`'s session cookie and CSRF token.
    server::http_response call_as(const in_process_session& who, const std::string& method, const std::string& target,
                                  const std::string& body = "", request_headers headers = {});
    // Matches and runs a request built by the caller (the 404 or 405 answer when no route takes it).
    server::http_response run(server::http_request& request) const;

    // What the HTTP core decides for the calls that follow: whether they came over HTTPS (through a
    // trusted proxy that says so); by default they came straight, over plain HTTP.
    bool forwarded_https = false;

private:
    std::string data_dir_;
    std::unique_ptr<server::festival_app> app_;
    std::unique_ptr<server::dispatcher> routes_;
};

// A response body parsed as JSON.
nlohmann::json json_of(const server::http_response& response);

}  // namespace festival::testing
