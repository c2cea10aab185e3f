// Restarts without cutting viewers off, with real processes: SIGUSR2 makes a running festival start
// its successor on the same listening socket and drain, under a wrk load that must see no failed
// request; a successor that cannot start leaves the running one serving; and a festival started
// with a socket passed as systemd's socket activation does accepts on that socket.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/festival_fixture.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/temp_dir.hpp"
#include "transcoder/process/child_process.hpp"

using namespace festival::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The log's events named `name`, in order.
std::vector<json> events_named(const std::string& output, const std::string& name) {
    std::vector<json> found;
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) {
        const auto event = json::parse(line, nullptr, false);
        if (event.is_object() && event.value("event", "") == name) found.push_back(event);
    }
    return found;
}

// The `nth` event named `name` once `output()` shows it (looked for up to 90 s); the test stops
// without it.
template <typename Output>
json wait_for_event(Output output, const std::string& name, std::size_t nth = 0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto found = events_named(output(), name);
        if (found.size() > nth) return found[nth];
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("no \"" << name << "\" event in the log:\n" << output());
    return {};
}

// A process of ours that has exited shows as a zombie until it is waited for.
bool has_exited(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    return close == std::string::npos || stat.substr(close + 2, 1) == "Z";
}

void wait_until_exited(pid_t pid) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!has_exited(pid) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE_MESSAGE(has_exited(pid), "process " << pid << " did not exit");
}

// A successor outlives the festival that started it: this test process adopts it, to wait for it.
void adopt_orphans() { REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0); }

// SIGTERM, then its exit code (bounded: SIGKILL after 30 s).
int stop_process(pid_t pid) {
    ::kill(pid, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (::waitpid(pid, &status, WNOHANG) != pid) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// wrk over keep-alive connections, in turn a page, the health check and a heartbeat of `play`
// (started from 127.0.0.1 as "wrk-viewer"); its report.
std::string run_wrk(const fs::path& folder, unsigned short port, int seconds, const std::string& play) {
    const auto script = folder / "requests.lua";
    write_file(script,
               "local headers = {['User-Agent'] = 'wrk-viewer', ['Content-Type'] = 'application/json'}\n"
               "local requests = {}\n"
               "init = function(args)\n"
               "  requests = {wrk.format('GET', '/', headers), wrk.format('GET', '/healthz', headers),\n"
               "              wrk.format('POST', '/api/plays/' .. args[1] .. '/heartbeat', headers,\n"
               "                         '{\"position\":12.5,\"played\":0.1}')}\n"
               "end\n"
               "local i = 0\n"
               "request = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n");
    std::string report;
    run_command({"wrk", "-t2", "-c8", "-d" + std::to_string(seconds) + "s", "--timeout", "20s", "-s", script.string(),
                 "http://127.0.0.1:" + std::to_string(port) + "/", "--", play},
                report);
    return report;
}

// wrk prints these lines only when something failed.
void check_no_failed_request(const std::string& report) {
    INFO(report);
    CHECK(report.find("requests in") != std::string::npos);
    CHECK(report.find("Socket errors") == std::string::npos);
    CHECK(report.find("Non-2xx") == std::string::npos);
}

// One datagram from a unix socket, as systemd's notify socket receives it (waits up to 60 s).
std::string next_datagram(int socket) {
    pollfd ready{socket, POLLIN, 0};
    REQUIRE_MESSAGE(::poll(&ready, 1, 60'000) == 1, "no notification came");
    char buffer[512];
    const ssize_t n = ::recv(socket, buffer, sizeof buffer, 0);
    REQUIRE(n > 0);
    return std::string(buffer, static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("on SIGUSR2 a successor takes over the listening socket during a wrk run and no request fails") {
    adopt_orphans();
    festival_fixture f(fixture_options().with_flags({"--shutdown-grace-seconds", "20"}));
    const auto log = [&] { return f.server->output(); };
    REQUIRE(f.curator()
                .call("POST", "/api/films",
                      json{{"slug", "under-load"}, {"original_title", "Under load"}, {"category", "short"},
                           {"published", true}}.dump())
                .status == 201);
    const auto started = http_call(f.port(), "POST", "/api/films/under-load/plays", "", {{"User-Agent", "wrk-viewer"}});
    REQUIRE(started.status == 201);
    const pid_t old_pid = f.server->pid();
    auto load = std::async(std::launch::async, [&] {
        return run_wrk(f.dir.path(), f.port(), 8, started.json()["play_id"].get<std::string>());
    });
    std::this_thread::sleep_for(std::chrono::seconds(2));  // wrk is under way
    REQUIRE(::kill(old_pid, SIGUSR2) == 0);
    const pid_t successor = wait_for_event(log, "successor_ready")["pid"].get<pid_t>();
    CHECK(successor != old_pid);
    // The old one drains and exits by itself, with 0, while wrk goes on against the successor.
    wait_until_exited(old_pid);
    CHECK(f.server->stop() == 0);
    const auto draining = wait_for_event(log, "draining");
    CHECK(draining["connections"].get<int>() >= 1);  // wrk's connections were open when it began
    const auto listening = events_named(log(), "listening");
    REQUIRE(listening.size() == 2);
    CHECK(listening[1]["inherited_socket"] == true);
    CHECK(listening[1]["url"] == listening[0]["url"]);

    // Heartbeats included: the successor knows the play (a 404 would count as a failure).
    check_no_failed_request(load.get());
    // Only the successor holds the socket now, and it answers.
    CHECK(::kill(successor, 0) == 0);
    CHECK(http_call(f.port(), "GET", "/healthz").status == 200);
    CHECK(stop_process(successor) == 0);
}

TEST_CASE("a successor that cannot start leaves the running festival serving, and a later SIGUSR2 tries again") {
    adopt_orphans();
    temp_dir data;
    const auto config = data.path() / "festival.json";
    write_file(config, R"({"view-seconds": 30})");
    festival_process server(data.path().string(), {"--config", config.string()});
    const auto log = [&] { return server.output(); };
    const unsigned short port = server.port();

    write_file(config, "{ this is no longer JSON");  // a broken config file swapped in
    REQUIRE(::kill(server.pid(), SIGUSR2) == 0);
    const auto failed = wait_for_event(log, "restart_failed");
    CHECK(failed["why"].get<std::string>().find("exited with status 2 before it was ready") != std::string::npos);
    CHECK(failed["still_serving"] == true);
    CHECK(log().find("is not valid JSON") != std::string::npos);  // the successor said why
    CHECK(!has_exited(server.pid()));
    CHECK(events_named(log(), "draining").empty());
    CHECK(http_call(port, "GET", "/healthz").status == 200);

    write_file(config, R"({"view-seconds": 40})");
    REQUIRE(::kill(server.pid(), SIGUSR2) == 0);
    const pid_t successor = wait_for_event(log, "successor_ready")["pid"].get<pid_t>();
    wait_until_exited(server.pid());
    CHECK(server.stop() == 0);
    CHECK(http_call(port, "GET", "/healthz").status == 200);
    CHECK(events_named(log(), "config").back()["config"]["view_seconds"] == 40);  // the new file took effect
    CHECK(stop_process(successor) == 0);
}

TEST_CASE("a festival with a metrics listener hands over too: its successor listens on the same metrics address") {
    adopt_orphans();
    const auto metrics_port = free_loopback_port();
    festival_fixture f(fixture_options().with_flags({"--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port)}));
    const auto log = [&] { return f.server->output(); };
    REQUIRE(http_call(metrics_port, "GET", "/metrics").status == 200);
    const pid_t old_pid = f.server->pid();
    REQUIRE(::kill(old_pid, SIGUSR2) == 0);
    // Before, the successor could not bind the address its predecessor still held and gave up.
    const pid_t successor = wait_for_event(log, "successor_ready")["pid"].get<pid_t>();
    wait_until_exited(old_pid);
    CHECK(f.server->stop() == 0);
    CHECK(events_named(log(), "restart_failed").empty());
    // The successor counts what its public socket answers.
    REQUIRE(http_call(f.port(), "GET", "/healthz").status == 200);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string scraped;
    while (scraped.find("route=\"/healthz\"") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        const auto metrics = http_call(metrics_port, "GET", "/metrics");
        REQUIRE(metrics.status == 200);
        scraped = metrics.body;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(scraped.find("route=\"/healthz\"") != std::string::npos);
    CHECK(stop_process(successor) == 0);
}

TEST_CASE("a festival given a socket by socket activation (LISTEN_FDS, LISTEN_PID) accepts on it") {
    // What systemd does for a .socket unit: bind and listen, then start the service with the socket
    // as descriptor 3 and LISTEN_PID set to the service's own pid (known only once it runs: sh execs).
    const int socket = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(socket >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(socket, 64) == 0);
    socklen_t size = sizeof address;
    ::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &size);
    const unsigned short port = ntohs(address.sin_port);

    temp_dir data;
    const auto log_path = data.path() / "server.log";
    const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    festival::process::child_options options{.stdout_fd = log_fd};
    options.pass_fds = {socket};
    options.extra_environment = {"LISTEN_FDS=1"};
    // The flags name another port: the passed socket wins.
    const pid_t pid = festival::process::spawn_child(
        {"/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" \"$@\"", FESTIVAL_EXE, "serve", "--listen", "127.0.0.1:0",
         "--data-dir", data.path().string(), "--transcoders", "0", "--access-log", "off"},
        options);
    ::close(log_fd);
    ::close(socket);  // the festival holds it now
    const auto log = [&] {
        std::ifstream in(log_path);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    };
    const auto listening = wait_for_event(log, "listening");
    CHECK(listening["inherited_socket"] == true);
    CHECK(listening["url"] == "http://127.0.0.1:" + std::to_string(port) + "/");
    CHECK(http_call(port, "GET", "/healthz").status == 200);
    CHECK(stop_process(pid) == 0);
}

TEST_CASE("an inherited descriptor that is no listening socket stops festival serve with a message") {
    temp_dir data;
    std::string output;
    CHECK(run_command({"/usr/bin/env", "FESTIVAL_LISTEN_FD=0", FESTIVAL_EXE, "serve", "--data-dir",
                       data.path().string(), "--transcoders", "0"},
                      output) == 2);
    CHECK(output.find("FESTIVAL_LISTEN_FD: descriptor 0 is not a listening stream socket") != std::string::npos);
}

TEST_CASE("under systemd (Type=notify) the festival says READY=1, and on a hand-over names its successor MAINPID") {
    adopt_orphans();
    temp_dir data;
    const int notify = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(notify >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const auto path = (data.path() / "notify").string();
    REQUIRE(path.size() < sizeof address.sun_path);
    path.copy(address.sun_path, path.size());
    REQUIRE(::bind(notify, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    festival_process server(data.path().string());
    ::unsetenv("NOTIFY_SOCKET");
    const auto log = [&] { return server.output(); };
    CHECK(next_datagram(notify) == "READY=1");

    REQUIRE(::kill(server.pid(), SIGUSR2) == 0);
    const pid_t successor = wait_for_event(log, "successor_ready")["pid"].get<pid_t>();
    // Sent by the main process itself, so systemd accepts it with the default NotifyAccess=main.
    CHECK(next_datagram(notify) == "MAINPID=" + std::to_string(successor) + "\nREADY=1");
    wait_until_exited(server.pid());
    CHECK(server.stop() == 0);
    CHECK(stop_process(successor) == 0);
    ::close(notify);
}

TEST_CASE("plays started before a restart go on in the successor, counted exactly once and for their country") {
    adopt_orphans();
    const std::int64_t t0 = 1'780'308'000'000;  // 2026-06-01T10:00:00Z, on the audience test clock
    // The viewer's address is in France for the geo database (tests/support/write_geo_database.pl).
    temp_dir geo;
    const auto geo_file = (geo.path() / "countries.mmdb").string();
    REQUIRE(std::system(("perl " FESTIVAL_SOURCE_DIR "/tests/support/write_geo_database.pl " + geo_file +
                         " 127.0.0.11/32=FR").c_str()) == 0);
    festival_fixture f(fixture_options().with_clock(t0).with_flags({"--geo-database", geo_file}));
    const auto log = [&] { return f.server->output(); };
    const auto created = f.curator().call(
        "POST", "/api/films",
        json{{"slug", "restart"}, {"original_title", "Restart"}, {"category", "short"}, {"published", true},
             {"runtime_minutes", 10}}.dump());
    REQUIRE(created.status == 201);
    const header_list viewer = {{"User-Agent", "viewer-1"}};
    const auto beat = [&](const std::string& play, double position, double played) {
        return http_call_from("127.0.0.11", f.port(), "POST", "/api/plays/" + play + "/heartbeat",
                              json{{"position", position}, {"played", played}}.dump(), viewer)
            .status;
    };
    const auto start = [&] {
        const auto r = http_call_from("127.0.0.11", f.port(), "POST", "/api/films/restart/plays", "", viewer);
        REQUIRE(r.status == 201);
        return r.json()["play_id"].get<std::string>();
    };
    const auto play = start();
    f.set_clock(t0 + 10'000);
    CHECK(beat(play, 10, 10) == 200);

    REQUIRE(::kill(f.server->pid(), SIGUSR2) == 0);
    const pid_t successor = wait_for_event(log, "successor_ready")["pid"].get<pid_t>();
    wait_until_exited(f.server->pid());
    CHECK(f.server->stop() == 0);
    CHECK(!events_named(log(), "audience_taken_over").empty());

    // The successor knows the play: its heartbeats count on, and the view comes at 30 s as always.
    f.set_clock(t0 + 20'000);
    CHECK(beat(play, 20, 10) == 200);
    f.set_clock(t0 + 30'000);
    CHECK(beat(play, 30, 10) == 200);
    // The same viewer (same day key) starting again is still one viewer, and a view within the hour
    // is not counted twice.
    const auto again = start();
    f.set_clock(t0 + 70'000);
    CHECK(beat(again, 40, 40) == 200);

    json totals;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const auto stats = f.organizer().call("GET", "/api/stats");
        REQUIRE(stats.status == 200);
        totals = stats.json()["totals"];
    } while (totals["watch_seconds"].get<double>() < 70 && std::chrono::steady_clock::now() < deadline);
    CHECK(totals["plays"] == 2);
    CHECK(totals["unique_viewers"] == 1);
    CHECK(totals["views"] == 1);
    CHECK(totals["watch_seconds"].get<double>() == doctest::Approx(70));
    // The country came through the hand-over with the play: all of it is France's.
    const auto countries = f.organizer().call("GET", "/api/stats").json()["countries"];
    REQUIRE(countries.size() == 1);
    CHECK(countries[0]["country"] == "FR");
    CHECK(countries[0]["plays"] == 2);
    CHECK(countries[0]["views"] == 1);
    CHECK(countries[0]["watch_seconds"].get<double>() == doctest::Approx(70));
    CHECK(stop_process(successor) == 0);
}

namespace {

// One answer read from a kept-alive connection: its header and body by Content-Length.
std::string read_answer(int connection) {
    std::string text;
    char buffer[4096];
    while (true) {
        const auto end = text.find("\r\n\r\n");
        if (end != std::string::npos) {
            const auto length_at = text.find("Content-Length: ");
            const std::size_t length = length_at == std::string::npos ? 0 : std::stoul(text.substr(length_at + 16));
            if (text.size() >= end + 4 + length) return text;
        }
        const ssize_t n = ::recv(connection, buffer, sizeof buffer, 0);
        if (n <= 0) return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

}  // namespace

TEST_CASE("a draining festival leaves an idle keep-alive connection open and answers its next request with close") {
    adopt_orphans();
    temp_dir data;
    festival_process server(data.path().string(), {"--shutdown-grace-seconds", "30"});
    const auto log = [&] { return server.output(); };
    const int connection = connect_loopback(server.port());
    timeval patience{20, 0};
    ::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: festival\r\n\r\n";
    REQUIRE(::send(connection, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    const auto first = read_answer(connection);
    CHECK(first.starts_with("HTTP/1.1 200"));
    CHECK(first.find("Connection: close") == std::string::npos);

    REQUIRE(::kill(server.pid(), SIGUSR2) == 0);
    const pid_t successor = wait_for_event(log, "successor_ready")["pid"].get<pid_t>();
    const auto draining = wait_for_event(log, "draining");
    CHECK(draining["connections"] == 1);
    // The old server waits for this connection (its client may be sending) instead of exiting.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(!has_exited(server.pid()));

    REQUIRE(::send(connection, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    const auto second = read_answer(connection);
    CHECK(second.starts_with("HTTP/1.1 200"));
    CHECK(second.find("Connection: close") != std::string::npos);
    char byte;
    CHECK(::recv(connection, &byte, 1, 0) == 0);  // then it closes
    ::close(connection);
    wait_until_exited(server.pid());  // its last connection ended: it exits before the grace is over
    CHECK(server.stop() == 0);
    CHECK(events_named(log(), "grace_ended").empty());
    CHECK(stop_process(successor) == 0);
}
