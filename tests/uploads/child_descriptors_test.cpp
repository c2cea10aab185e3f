// The processes that parse hostile media inherit no descriptor of the server: neither its listening
// socket nor a client's connection open at that moment. Read from /proc/<child>/fd while the server
// runs its real transcoder worker, and from inside a stand-in probe started by the server.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/festival_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_catalog.hpp"
#include "tests/uploads/tus_client.hpp"

using namespace festival::testing;
namespace fs = std::filesystem;

namespace {

const std::string password = "curator password 2026";

// Pids whose parent is `parent`, from /proc/<pid>/stat (the field after the command's ")").
std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "stat");
        std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 1));
        std::string state;
        pid_t ppid = 0;
        rest >> state >> ppid;
        if (ppid == parent) found.push_back(std::stoi(name));
    }
    return found;
}

// The children of `parent` as soon as it has any (looked for every `interval`), or none after 20 s.
std::vector<pid_t> children_once_started(pid_t parent, std::chrono::milliseconds interval) {
    std::vector<pid_t> found;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (found.empty() && std::chrono::steady_clock::now() < deadline) {
        found = children_of(parent);
        if (found.empty()) std::this_thread::sleep_for(interval);
    }
    return found;
}

// What each open descriptor of `pid` points at ("socket:[123]", "/dev/null", "pipe:[…]" …).
std::vector<std::string> descriptor_targets(pid_t pid) {
    std::vector<std::string> targets;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        std::error_code link_ec;
        const auto target = fs::read_symlink(entry.path(), link_ec);
        targets.push_back(entry.path().filename().string() + " -> " + (link_ec ? "?" : target.string()));
    }
    return targets;
}

std::string sockets_among(const std::vector<std::string>& targets) {
    std::string sockets;
    for (const auto& t : targets)
        if (t.find("socket:") != std::string::npos) sockets += t + "; ";
    return sockets;
}

struct curator_server {
    temp_dir dir;
    std::unique_ptr<festival_process> server;
    tus_client curator;

    explicit curator_server(std::vector<std::string> flags) {
        add_user_with_cli(dir.path(), "c@festival.test", "curator", password);
        server = std::make_unique<festival_process>(dir.path().string(), flags);
        curator = tus_client{sign_in(server->port(), "c@festival.test", password)};
        const auto created = curator.session.call(
            "POST", "/api/films",
            nlohmann::json{{"slug", "voyage"}, {"original_title", "Voyage"}, {"category", "documentary"}}.dump());
        REQUIRE(created.status == 201);
    }
};

}  // namespace

TEST_CASE("the transcoder worker a server starts holds no socket, while a client is connected") {
    curator_server f({"--transcoders", "1", "--transcoder", festival_transcoder_exe()});
    // A client mid-upload: its connection is open in the server.
    const auto location = f.curator.create("voyage", 1000);
    partial_patch open_connection(f.curator, location, 0, std::string(10, 'x'), 1000);

    const auto workers = children_once_started(f.server->pid(), std::chrono::milliseconds(50));
    REQUIRE(workers.size() == 1);
    // Its descriptors once it has started (the catalog is opened at start).
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto targets = descriptor_targets(workers[0]);
    REQUIRE(!targets.empty());
    if (!festival::test::catalog_is_postgresql()) {
        CHECK_MESSAGE(sockets_among(targets).empty(), "worker descriptors: " << sockets_among(targets));
    } else {
        // On PostgreSQL the worker's own catalog connection is a socket: none may be one of the server's.
        const auto server_targets = descriptor_targets(f.server->pid());
        for (const auto& t : targets)
            if (t.find("socket:") != std::string::npos)
                CHECK_MESSAGE(std::find(server_targets.begin(), server_targets.end(), t) == server_targets.end(),
                              "the worker holds the server's " << t);
        CHECK(!sockets_among(server_targets).empty());  // the comparison has the server's sockets to look at
    }
}

TEST_CASE("the probe a server starts holds only 0, 1 and 2, while a client is connected") {
    temp_dir scripts;
    const auto stand_in = scripts.path() / "transcoder.sh";
    // A stand-in transcoder: refuses the file, then lingers so that its descriptors can be read.
    write_executable(stand_in, "#!/bin/sh\n"
                               "echo '{\"error\":{\"code\":\"not_a_film\",\"message\":\"stand-in\"}}'\n"
                               "exec sleep 3\n");
    curator_server f({"--transcoder", stand_in.string()});

    const auto waiting = f.curator.create("voyage", 1000);
    partial_patch open_connection(f.curator, waiting, 0, std::string(10, 'x'), 1000);
    const auto location = f.curator.create("voyage", 64);
    // The last byte starts the probe (the answer may wait for it: send from another thread).
    auto last = std::async(std::launch::async, [&] { return f.curator.patch(location, 0, std::string(64, 'y')); });

    const auto probes = children_once_started(f.server->pid(), std::chrono::milliseconds(20));
    REQUIRE(probes.size() == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past exec, into sleep
    std::string beyond_stdio;
    for (const auto& t : descriptor_targets(probes[0]))
        if (std::stoi(t.substr(0, t.find(' '))) > 2) beyond_stdio += t + "; ";
    CHECK_MESSAGE(beyond_stdio.empty(), "probe descriptors beyond 0-2: " << beyond_stdio);
    last.wait();
}
