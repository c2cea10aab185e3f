// The one log line format: whatever a field holds, the line is one JSON object on one line.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "transcoder/process/log_event.hpp"

using festival::event_line;

TEST_CASE("a log line with quotes, backslashes and newlines in a message stays one JSON object") {
    const std::string what = "cannot open \"/data/a\\b\"\nsecond line\ttab";
    const auto line = event_line("error", {{"what", what}, {"film", 7}});
    CHECK(line.find('\n') == std::string::npos);
    const auto parsed = nlohmann::json::parse(line);
    CHECK(parsed["event"] == "error");
    CHECK(parsed["what"] == what);
    CHECK(parsed["film"] == 7);
    CHECK(line.rfind(R"({"event":"error",)", 0) == 0);  // the event name comes first
}

TEST_CASE("invalid UTF-8 in a log field is replaced, and the line is still valid JSON") {
    const std::string bytes = std::string("caf\xC3", 4) + "\xFF\xFE" + "\xED\xA0\x80";  // truncated, invalid, surrogate
    const auto line = event_line("upload_refused", {{"code", bytes}});
    const auto parsed = nlohmann::json::parse(line);
    CHECK(parsed["code"].get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD
}

TEST_CASE("a field named event cannot replace the event name") {
    const auto parsed = nlohmann::json::parse(event_line("stopped", {{"event", "forged"}, {"pid", 1}}));
    CHECK(parsed["event"] == "stopped");
    CHECK(parsed["pid"] == 1);
}
