// The access log of a real `festival serve`: what it keeps of viewers.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "tests/support/festival_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;

TEST_CASE("the access log keeps the client's network, not its address, and no play ids") {
    temp_dir dir;
    festival_process server(dir.path().string(), {"--access-log", "on"});
    const std::string play = "c0ffee0123456789feedbeef";
    CHECK(http_call(server.port(), "GET", "/api/films").status == 200);
    http_call(server.port(), "POST", "/api/plays/" + play + "/heartbeat", R"({"position":12,"played":10})");
    http_call(server.port(), "POST", "/api/plays/" + play + "/end", R"({"position":12,"played":10})");
    server.stop();

    std::ifstream in(dir.path() / "server.log");
    std::string line;
    int requests = 0;
    while (std::getline(in, line)) {
        if (line.find("\"remote\":") == std::string::npos) continue;
        CAPTURE(line);
        ++requests;
        CHECK(line.find("\"remote\":\"127.0.0.0\"") != std::string::npos);
        CHECK(line.find("127.0.0.1") == std::string::npos);
        CHECK(line.find(play) == std::string::npos);
    }
    CHECK(requests == 3);
    std::stringstream all;
    all << std::ifstream(dir.path() / "server.log").rdbuf();
    CHECK(all.str().find("\"path\":\"/api/plays/-/heartbeat\"") != std::string::npos);
    CHECK(all.str().find("\"path\":\"/api/plays/-/end\"") != std::string::npos);
}

TEST_CASE("the access log leaves out the tokens of report and invitation links") {
    temp_dir dir;
    festival_process server(dir.path().string(), {"--access-log", "on"});
    const std::string token = "S3cr3tT0kenOfAFilmmakerLink0123456789abcdef";
    http_call(server.port(), "GET", "/fr/report/" + token);
    http_call(server.port(), "GET", "/api/reports/" + token + "/report.csv");
    http_call(server.port(), "GET", "/es/invitation/" + token);
    server.stop();
    std::stringstream all;
    all << std::ifstream(dir.path() / "server.log").rdbuf();
    CHECK(all.str().find(token) == std::string::npos);
    CHECK(all.str().find("\"path\":\"/fr/report/-\"") != std::string::npos);
    CHECK(all.str().find("\"path\":\"/api/reports/-/report.csv\"") != std::string::npos);
    CHECK(all.str().find("\"path\":\"/es/invitation/-\"") != std::string::npos);
}
