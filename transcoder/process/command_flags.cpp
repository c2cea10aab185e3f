#include "transcoder/process/command_flags.hpp"

#include <algorithm>
#include <stdexcept>

namespace festival::process {
namespace {

bool listed(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

command_flags command_flags::parse(const std::vector<std::string>& args, const flag_rules& rules) {
    command_flags out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (!arg.starts_with("--")) {
            if (!rules.positional) throw std::invalid_argument("unexpected argument '" + arg + "'");
            out.positional_.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2), value;
        const auto equals = name.find('=');
        if (equals != std::string::npos) {
            value = name.substr(equals + 1);
            name = name.substr(0, equals);
        }
        if (rules.known && !listed(*rules.known, name) && !listed(rules.switches, name))
            throw std::invalid_argument("unknown setting '" + name + "'");
        if (equals == std::string::npos) {
            if (listed(rules.switches, name)) {
                value = "true";
            } else {
                if (i + 1 >= args.size()) throw std::invalid_argument(arg + " needs a value");
                value = args[++i];
            }
        }
        out.values_.emplace_back(std::move(name), std::move(value));
    }
    return out;
}

bool command_flags::has(const std::string& name) const {
    return std::any_of(values_.begin(), values_.end(), [&](const auto& v) { return v.first == name; });
}

std::string command_flags::get(const std::string& name, const std::string& fallback) const {
    for (auto it = values_.rbegin(); it != values_.rend(); ++it)
        if (it->first == name) return it->second;
    return fallback;
}

std::string command_flags::required(const std::string& name) const {
    if (!has(name)) throw std::invalid_argument("missing --" + name);
    return get(name, "");
}

std::vector<std::string> command_flags::all(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [key, value] : values_)
        if (key == name) out.push_back(value);
    return out;
}

int command_flags::number(const std::string& name, int fallback, int low, int high) const {
    return has(name) ? parse_number(name, get(name, ""), low, high) : fallback;
}

int parse_number(const std::string& name, const std::string& value, int low, int high) {
    try {
        std::size_t used = 0;
        const int n = std::stoi(value, &used);
        if (used == value.size() && n >= low && n <= high) return n;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument(name + " must be a number from " + std::to_string(low) + " to " +
                                std::to_string(high) + ", not '" + value + "'");
}

bool parse_switch(const std::string& value) { return value != "off" && value != "false" && value != "0"; }

}  // namespace festival::process
