#pragma once
// The festival's log: one JSON object a line, {"event":"<name>", ...fields}, written whole with one
// write so that lines from several threads or processes never interleave. Every executable logs through
// this; nothing assembles JSON by hand, so a message holding a quote or invalid UTF-8 stays valid JSON.
#include <cstdio>
#include <string_view>

#include <nlohmann/json.hpp>

namespace festival {

// Fields keep the order given; "event" comes first. Invalid UTF-8 in a string is replaced (U+FFFD).
void log_event(std::string_view event, const nlohmann::ordered_json& fields = nlohmann::ordered_json::object(),
               std::FILE* stream = stderr);

// The line log_event writes, without its newline (for tests and for callers that print elsewhere).
std::string event_line(std::string_view event, const nlohmann::ordered_json& fields);

}  // namespace festival
