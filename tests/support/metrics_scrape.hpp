#pragma once
// The metrics listener of a real `festival serve` (--metrics-listen 127.0.0.1:0): its port, read
// from the line the server logs, and a scrape parsed back.
#include <regex>
#include <string>

#include "tests/support/festival_fixture.hpp"
#include "tests/support/metrics_text.hpp"

namespace festival::testing {

// The port of {"event":"metrics_listening","metrics_url":"http://127.0.0.1:PORT/metrics"}; 0 when none.
inline unsigned short metrics_port_of(const festival_process& server) {
    static const std::regex listening(R"re("metrics_url":"http://127\.0\.0\.1:(\d+)/metrics")re");
    std::smatch m;
    const std::string seen = server.output();
    return std::regex_search(seen, m, listening) ? static_cast<unsigned short>(std::stoi(m[1])) : 0;
}

inline parsed_metrics scrape(unsigned short metrics_port) {
    const auto answer = http_call(metrics_port, "GET", "/metrics");
    REQUIRE(answer.status == 200);
    CHECK(answer.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
    return parse_metrics_text(answer.body);
}

}  // namespace festival::testing
