#include "tests/support/in_process_festival.hpp"

#include <stdlib.h>

#include <cctype>
#include <filesystem>
#include <stdexcept>

#include "catalog/clock.hpp"
#include "catalog/schema.hpp"
#include "catalog/worker_tokens.hpp"
#include "server/api/routes.hpp"
#include "server/config.hpp"
#include "tests/support/test_catalog.hpp"

namespace festival::testing {

in_process_festival::in_process_festival(const std::vector<std::string>& flags) {
    // In memory where the system has a tmpfs, so the catalog's fsyncs cost nothing.
    char in_memory[] = "/dev/shm/festival-in-process-XXXXXX";
    char on_disk[] = "/tmp/festival-in-process-XXXXXX";
    const char* made = ::mkdtemp(in_memory);
    if (!made) made = ::mkdtemp(on_disk);
    if (!made) throw std::runtime_error("mkdtemp failed");
    data_dir_ = made;
    std::vector<std::string> args = {"--data-dir", data_dir_, "--transcoders", "0"};
    if (festival::test::catalog_is_postgresql())
        args.insert(args.end(), {"--catalog", festival::test::fresh_catalog_location(data_dir_)});
    args.insert(args.end(), flags.begin(), flags.end());
    app_ = std::make_unique<server::festival_app>(server::load_config(args));
    // What `festival serve` does before it listens.
    std::filesystem::create_directories(app_->settings->media_dir());
    catalog::migrate(db());
    app_->refresh_availability();
    routes_ = std::make_unique<server::dispatcher>(
        server::router(server::festival_routes(*app_)),
        [app = app_.get()](const std::string& token) { return catalog::find_session(app->catalog.local(), token); },
        server::https_policy(app_->settings->public_url), [app = app_.get()](const std::string& token) {
            return catalog::find_worker_by_token(app->catalog.local(), token, catalog::unix_now());
        });
}

in_process_festival::~in_process_festival() {
    routes_.reset();
    app_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
}

in_process_session in_process_festival::add_staff(const std::string& email, catalog::role role) {
    auto insert = db().prepare(
        "INSERT INTO users (email, display_name, role, password_hash) VALUES (?1, ?2, ?3, '!') RETURNING id");
    insert.bind(1, email).bind(2, email.substr(0, email.find('@'))).bind(3, catalog::to_string(role));
    if (!insert.step()) throw std::runtime_error("no id for the new account " + email);
    const auto user_id = insert.int64(0);
    insert.reset();  // the statement done, before the session's own
    const auto tokens = catalog::open_session(db(), user_id, app_->settings->session_lifetime_seconds);
    in_process_session session;
    session.who = *catalog::find_session(db(), tokens.token);
    session.cookie = std::string(server::session_cookie_name) + "=" + tokens.token;
    return session;
}

catalog::user in_process_festival::add_account(const std::string& email, catalog::role role,
                                               const std::string& password) {
    return catalog::create_user(db(), email, email.substr(0, email.find('@')), role, password);
}

server::http_response in_process_festival::call(const std::string& method, const std::string& target,
                                                const std::string& body, const request_headers& headers,
                                                const std::string& remote_address) {
    server::http_request request;
    request.method = method;
    request.target = target;
    const auto question = target.find('?');
    if (question != std::string::npos) request.query = target.substr(question + 1);
    auto path = server::percent_decode(std::string_view(target).substr(0, question), false);
    if (!path) throw std::invalid_argument("a malformed path: the HTTP core answers 400 before any route");
    request.path = std::move(*path);
    bool typed = false;
    for (auto [name, value] : headers) {
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        typed = typed || name == "content-type";
        request.headers.emplace_back(std::move(name), std::move(value));
    }
    if (!body.empty() && !typed) request.headers.emplace_back("content-type", "application/json");
    request.body = body;
    request.remote_address = remote_address;
    request.forwarded_https = forwarded_https;
    return run(request);
}

server::http_response in_process_festival::call_as(const in_process_session& who, const std::string& method,
                                                   const std::string& target, const std::string& body,
                                                   request_headers headers) {
    headers.emplace_back("Cookie", who.cookie);
    headers.emplace_back("X-CSRF-Token", who.who.csrf_token);
    return call(method, target, body, headers);
}

server::http_response in_process_festival::run(server::http_request& request) const {
    auto match = routes_->routes().match(request.method, request.path);
    if (!match.found) return routes_->unmatched(match, request);
    if (!match.found->open_sink) {
        auto answer = routes_->run(match, request);
        if (!answer.to_worker_pool || request.on_worker_pool) return answer;
        request.on_worker_pool = true;  // as the HTTP core does: the same handler again, off the I/O thread
        std::swap(request.params, match.params);
        return routes_->run(match, request);
    }
    // A streamed body (uploads) reaches its sink in one piece, where the HTTP core hands it over in many.
    server::http_response answer;
    auto sink = routes_->open_sink(match, request, answer);
    if (!sink) return answer;
    if (!request.body.empty() && !server::dispatcher::run_sink_step([&] { sink->write(request.body); }, answer)) {
        sink->interrupted();
        return answer;
    }
    server::dispatcher::run_sink_step([&] { answer = sink->finish(); }, answer);
    return answer;
}

nlohmann::json json_of(const server::http_response& response) { return nlohmann::json::parse(response.body); }

}  // namespace festival::testing
