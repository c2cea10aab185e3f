#pragma once
// The festival itself: its name, edition dates and the messages that open and close it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace festival::catalog {

class database;

struct festival_text {
    std::string welcome;
    std::string closing;
};

struct festival_info {
    std::string name;
    std::optional<std::string> starts_on;  // YYYY-MM-DD
    std::optional<std::string> ends_on;    // YYYY-MM-DD, last day included
    std::map<std::string, festival_text> texts;
};

enum class edition_state { upcoming, open, closed };
edition_state edition_at(const festival_info& f, std::int64_t unix_time);
const char* to_string(edition_state s);

festival_info load_festival(database& db);
void save_festival(database& db, const festival_info& info);

}  // namespace festival::catalog
