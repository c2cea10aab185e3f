#pragma once
// The one command-line parser of every festival executable (`festival serve`, the admin commands,
// `festival-transcoder`): `--name value`, `--name=value`, bare switches, repeatable names and, where a
// command takes them, positional arguments. Values stay text; settings tables give them meaning.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace festival::process {

struct flag_rules {
    std::vector<std::string> switches{};            // names that take no value ("demo", "once")
    std::optional<std::vector<std::string>> known{};  // when set, any other name is refused
    bool positional = false;                        // bare arguments allowed (else refused)
};

class command_flags {
public:
    // Throws std::invalid_argument with a message for the user.
    static command_flags parse(const std::vector<std::string>& args, const flag_rules& rules = {});

    bool has(const std::string& name) const;
    // The last value given for `name`, or `fallback`.
    std::string get(const std::string& name, const std::string& fallback) const;
    std::string required(const std::string& name) const;  // throws "missing --name"
    std::vector<std::string> all(const std::string& name) const;
    // The last value as a whole number from low to high, or `fallback` when absent.
    int number(const std::string& name, int fallback, int low, int high) const;

    // Every (name, value) in the order given; switches have the value "true".
    const std::vector<std::pair<std::string, std::string>>& in_order() const { return values_; }
    const std::vector<std::string>& positional() const { return positional_; }

private:
    std::vector<std::pair<std::string, std::string>> values_;
    std::vector<std::string> positional_;
};

// "42" → 42 when from low to high; otherwise std::invalid_argument naming the setting and its range.
int parse_number(const std::string& name, const std::string& value, int low, int high);
// Anything but "off", "false" and "0" is on.
bool parse_switch(const std::string& value);

}  // namespace festival::process
