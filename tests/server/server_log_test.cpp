// The server's log, read as a machine would: every line a real `festival serve` prints is one JSON
// object, whatever the text it carries (a path with quotes and backslashes, an error message).
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/festival_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;

namespace {

// Each line parsed; the test fails, showing the line, on one that is not a JSON object.
std::vector<nlohmann::json> json_lines(const std::string& output) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) {
        const auto parsed = nlohmann::json::parse(line, nullptr, false);
        CHECK_MESSAGE(parsed.is_object(), "not a JSON log line: " << line);
        if (parsed.is_object()) lines.push_back(parsed);
    }
    return lines;
}

}  // namespace

TEST_CASE("every line festival serve logs is JSON, even with quotes and backslashes in what it reports") {
    temp_dir dir;
    const auto data_dir = dir.path() / "data \"quoted\" \\ dir";
    std::filesystem::create_directories(data_dir);
    const std::string missing = (dir.path() / "no \"such\" \\ transcoder").string();
    std::string output;
    {
        festival_process server(data_dir.string(), {"--transcoders", "1", "--transcoder", missing});
        REQUIRE(server.stop() == 0);
        output = server.output();
    }
    const auto lines = json_lines(output);
    bool reported_missing = false;
    for (const auto& line : lines)
        if (line.value("event", "") == "transcoder_missing") reported_missing = line.value("path", "") == missing;
    CHECK_MESSAGE(reported_missing, output);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.back().value("event", "") == "stopped");
}
