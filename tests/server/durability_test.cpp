#include <doctest/doctest.h>

#include "tests/support/festival_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;

TEST_CASE("a film acknowledged by the server survives kill -9 and a restart") {
    temp_dir dir;
    add_user_with_cli(dir.path(), "c@festival.test", "curator", "a durable password");
    {
        festival_process server(dir.path().string());
        const auto curator = sign_in(server.port(), "c@festival.test", "a durable password");
        const auto created = curator.call(
            "POST", "/api/films",
            nlohmann::json{{"slug", "survivor"}, {"original_title", "Survivor"}, {"category", "fiction"},
                           {"published", true}}
                .dump());
        REQUIRE(created.status == 201);
        server.kill_hard();
    }
    festival_process restarted(dir.path().string());
    const auto found = http_call(restarted.port(), "GET", "/api/films/survivor");
    CHECK(found.status == 200);
    CHECK(found.json()["original_title"] == "Survivor");
}

TEST_CASE("SIGTERM stops the server cleanly with exit code 0") {
    temp_dir dir;
    festival_process server(dir.path().string());
    CHECK(http_call(server.port(), "GET", "/healthz").status == 200);
    CHECK(server.stop() == 0);
}

TEST_CASE("the command line refuses bad input with a message and a non-zero exit") {
    temp_dir dir;
    std::string output;
    CHECK(run_command({FESTIVAL_EXE, "serve", "--listen", "nonsense", "--data-dir", dir.path().string()}, output) != 0);
    CHECK(output.find("--listen") != std::string::npos);
    CHECK(run_command({FESTIVAL_EXE, "user", "add", "--email", "x@y.z", "--role", "director", "--data-dir",
                       dir.path().string()},
                      output, "long enough password\n") != 0);
    CHECK(output.find("--role") != std::string::npos);
    CHECK(run_command({FESTIVAL_EXE, "frobnicate"}, output) != 0);
}
