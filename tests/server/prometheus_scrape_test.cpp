// Debian's Prometheus scrapes a real festival: its own config and data folder in a temporary
// directory, a free loopback port, a 1 s scrape interval; its HTTP API shows the target up and a
// request counter that moved with the requests this test made. (Any Prometheus the system runs, on
// 9090 or elsewhere, is neither used nor disturbed.)
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/festival_process.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/support/metrics_scrape.hpp"
#include "tests/support/temp_dir.hpp"

using namespace festival::testing;

namespace {

constexpr const char* prometheus_exe = "/usr/bin/prometheus";

// Prometheus run for one test, stopped (SIGTERM, then SIGKILL) when it ends.
class prometheus_process {
public:
    prometheus_process(const std::filesystem::path& dir, unsigned short port, unsigned short target_port)
        : log_(dir / "prometheus.log") {
        const auto config = dir / "prometheus.yml";
        std::ofstream(config) << "global:\n"
                                 "  scrape_interval: 1s\n"
                                 "  scrape_timeout: 1s\n"
                                 "scrape_configs:\n"
                                 "  - job_name: festival\n"
                                 "    static_configs:\n"
                                 "      - targets: ['127.0.0.1:"
                              << target_port << "']\n";
        std::vector<std::string> args = {prometheus_exe,
                                         "--config.file=" + config.string(),
                                         "--storage.tsdb.path=" + (dir / "data").string(),
                                         "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                         "--log.level=warn"};
        pid_ = spawn_logged(args, log_.string());
    }
    ~prometheus_process() { terminate_child(pid_, 10); }
    prometheus_process(const prometheus_process&) = delete;
    prometheus_process& operator=(const prometheus_process&) = delete;

    std::string log() const {
        std::ifstream in(log_);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

private:
    std::filesystem::path log_;
    pid_t pid_;
};

// The value of the one series an instant query returns, or nullopt (no answer yet, no series).
std::optional<double> instant_value(unsigned short prometheus_port, const std::string& encoded_query) {
    http_result answer;
    try {
        answer = http_call(prometheus_port, "GET", "/api/v1/query?query=" + encoded_query);
    } catch (const std::exception&) {  // not listening yet
        return std::nullopt;
    }
    if (answer.status != 200) return std::nullopt;
    const auto body = nlohmann::json::parse(answer.body, nullptr, false);
    if (!body.is_object() || body.value("status", "") != "success") return std::nullopt;
    const auto& result = body["data"]["result"];
    if (!result.is_array() || result.size() != 1) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
}

}  // namespace

TEST_CASE("Debian's Prometheus scrapes the festival: the target is up and the request counter moved") {
    REQUIRE_MESSAGE(std::filesystem::exists(prometheus_exe),
                    "Debian's prometheus is needed (apt-get install prometheus; scripts/install-deps --tests)");
    festival_fixture festival(fixture_options().with_flags({"--metrics-listen", "127.0.0.1:0"}));
    const auto metrics_port = metrics_port_of(*festival.server);
    REQUIRE(metrics_port != 0);
    temp_dir dir;
    const auto prometheus_port = free_loopback_port();
    prometheus_process prometheus(dir.path(), prometheus_port, metrics_port);

    const std::string up = "up%7Bjob%3D%22festival%22%7D";  // up{job="festival"}
    const bool scraped = eventually([&] { return instant_value(prometheus_port, up) == 1.0; }, std::chrono::seconds(60));
    REQUIRE_MESSAGE(scraped, "Prometheus never saw the festival up; its log:\n" << prometheus.log());

    // festival_http_requests_total{route="/healthz",code="200"}: no /healthz asked yet.
    const std::string healthz =
        "festival_http_requests_total%7Broute%3D%22%2Fhealthz%22%2Ccode%3D%22200%22%7D";
    CHECK(instant_value(prometheus_port, healthz).value_or(0) == 0);
    constexpr int asked = 5;
    for (int i = 0; i < asked; ++i) REQUIRE(festival.call("GET", "/healthz").status == 200);
    std::optional<double> seen;
    eventually(
        [&] {
            seen = instant_value(prometheus_port, healthz);
            return seen.value_or(0) >= asked;
        },
        std::chrono::seconds(60));
    CHECK_MESSAGE(seen == asked, "Prometheus log:\n" << prometheus.log());
    CHECK(instant_value(prometheus_port, up) == 1.0);
}
