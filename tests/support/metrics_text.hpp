#pragma once
// Reads Prometheus text exposition (format 0.0.4) back, as a scraper would: every line must be a
// HELP or TYPE comment or a sample (name, optional labels, a number), every family typed once and
// before its samples. Samples are keyed by their text as written: name{labels}.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace festival::testing {

struct parsed_metrics {
    std::map<std::string, double> samples;   // "name{labels}" or "name" -> value
    std::map<std::string, std::string> types;  // family -> counter, gauge, histogram …
    std::optional<double> value(const std::string& series) const {
        const auto it = samples.find(series);
        return it == samples.end() ? std::nullopt : std::optional<double>(it->second);
    }
    double value_or_zero(const std::string& series) const { return value(series).value_or(0); }
};

// The family a sample belongs to: its name less a histogram's _bucket, _sum or _count.
inline std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s = suffix;
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            const auto base = name.substr(0, name.size() - s.size());
            if (const auto it = types.find(base); it != types.end() && it->second == "histogram") return base;
        }
    }
    return name;
}

// Fails the test, naming the line, on anything a Prometheus scraper would refuse.
inline parsed_metrics parse_metrics_text(const std::string& text) {
    static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
    static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
    static const std::regex sample(
        R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? ([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)))re");
    parsed_metrics parsed;
    std::set<std::string> helped;
    std::istringstream in(text);
    CHECK_MESSAGE((!text.empty() && text.back() == '\n'), "the text must end with a newline");
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_match(line, m, help)) {
            CHECK_MESSAGE(helped.insert(m[1]).second, "HELP twice: " << line);
        } else if (std::regex_match(line, m, type)) {
            CHECK_MESSAGE(parsed.types.emplace(m[1], m[2]).second, "TYPE twice: " << line);
        } else if (std::regex_match(line, m, sample)) {
            const auto family = family_of(m[1], parsed.types);
            CHECK_MESSAGE(parsed.types.count(family) == 1, "a sample before its family's TYPE: " << line);
            const std::string key = std::string(m[1]) + std::string(m[2]);
            CHECK_MESSAGE(parsed.samples.emplace(key, std::stod(m[3])).second, "a series twice: " << line);
        } else {
            FAIL_CHECK("not a line of the exposition format: " << line);
        }
    }
    return parsed;
}

}  // namespace festival::testing
