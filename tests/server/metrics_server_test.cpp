// /metrics on its own listener and /readyz, on a real `festival serve`: counters move with the
// requests the server answers, and readiness names what is not ready.
#include <doctest/doctest.h>

#include <optional>

#include "catalog/database.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/festival_fixture.hpp"
#include "tests/support/in_process_festival.hpp"
#include "tests/support/metrics_scrape.hpp"

using namespace festival::testing;

namespace {

const std::string healthz_ok = R"(festival_http_requests_total{method="GET",route="/healthz",code="200"})";
const std::string film_not_found = R"(festival_http_requests_total{method="GET",route="/api/films/{key}",code="404"})";
const std::string unknown_play = R"(festival_heartbeats_refused_total{reason="unknown"})";
const std::string heartbeat_404 =
    R"(festival_http_requests_total{method="POST",route="/api/plays/{id}/heartbeat",code="404"})";

}  // namespace

TEST_CASE("a scrape of the metrics listener shows counters that moved with the requests answered") {
    festival_fixture festival(fixture_options().with_flags({"--metrics-listen", "127.0.0.1:0"}));
    const auto metrics_port = metrics_port_of(*festival.server);
    REQUIRE(metrics_port != 0);
    REQUIRE(metrics_port != festival.port());

    const auto before = scrape(metrics_port);
    for (int i = 0; i < 3; ++i) REQUIRE(festival.call("GET", "/healthz").status == 200);
    REQUIRE(festival.call("GET", "/api/films/no-such-film").status == 404);
    REQUIRE(festival.call("GET", "/readyz").status == 200);  // a write transaction (the catalog's check)
    REQUIRE(festival.call("POST", "/api/plays/0123456789abcdef0123456789abcdef/heartbeat",
                          R"({"position": 1, "played": 1})")
                .status == 404);
    // A request is counted just after its answer's last byte leaves: the client may be quicker.
    parsed_metrics after;
    eventually(
        [&] {
            after = scrape(metrics_port);
            return after.value_or_zero(heartbeat_404) > before.value_or_zero(heartbeat_404) &&
                   after.value_or_zero(film_not_found) > before.value_or_zero(film_not_found) &&
                   after.value_or_zero(healthz_ok) - before.value_or_zero(healthz_ok) >= 3;
        },
        std::chrono::seconds(10));

    CHECK(after.value_or_zero(healthz_ok) - before.value_or_zero(healthz_ok) == 3);
    CHECK(after.value_or_zero(film_not_found) - before.value_or_zero(film_not_found) == 1);
    CHECK(after.value_or_zero(heartbeat_404) - before.value_or_zero(heartbeat_404) == 1);
    CHECK(after.value_or_zero(unknown_play) - before.value_or_zero(unknown_play) == 1);
    CHECK(after.value_or_zero(R"(festival_http_response_body_bytes_total{method="GET",route="/healthz"})") >= 3 * 15);
    CHECK(after.value_or_zero("festival_http_connections_accepted_total") -
              before.value_or_zero("festival_http_connections_accepted_total") ==
          6);  // the test client opens one connection a call
    // Figures read when scraped.
    CHECK(after.value("festival_live_viewers") == 0);
    CHECK(after.value(R"(festival_transcode_jobs{state="queued"})") == 0);
    CHECK(after.value_or_zero("festival_process_resident_memory_bytes") > 1e6);
    CHECK(after.value_or_zero("festival_process_open_fds") > 3);
    // /readyz wrote to the catalog in a transaction the catalog timed.
    CHECK(after.value_or_zero("festival_catalog_write_duration_seconds_count") -
              before.value_or_zero("festival_catalog_write_duration_seconds_count") ==
          1);
    CHECK(after.types.at("festival_catalog_write_duration_seconds") == "histogram");

    // The public listener does not serve the metrics.
    const auto on_public = festival.call("GET", "/metrics");
    CHECK(on_public.body.find("festival_http_requests_total") == std::string::npos);
}

TEST_CASE("without --metrics-listen no metrics listener starts") {
    festival_fixture festival;
    CHECK(festival.call("GET", "/healthz").status == 200);
    CHECK(metrics_port_of(*festival.server) == 0);
}

TEST_CASE("a metrics address that cannot be listened on stops the server with a message") {
    CHECK_THROWS_WITH_AS(festival_fixture(fixture_options().with_flags({"--metrics-listen", "192.0.2.1:9"})),
                         doctest::Contains("cannot listen for metrics on 192.0.2.1:9"), std::runtime_error);
}

TEST_CASE("readyz is 200 when the catalog, the disk and the transcoders are fine") {
    festival_fixture festival(fixture_options().with_flags({"--test-disk-free-bytes", "2000000000", "--ready-min-free-mb", "1000"}));
    const auto ready = festival.call("GET", "/readyz");
    CHECK(ready.status == 200);
    CHECK(ready.header("cache-control") == "no-store");
    const auto body = ready.json();
    CHECK(body["status"] == "ready");
    CHECK(body["checks"]["catalog"]["ok"] == true);
    CHECK(body["checks"]["disk"]["usable_bytes"] == 2000000000 - 256LL * 1024 * 1024);
    CHECK(body["checks"]["transcoders"]["wanted"] == 0);
}

TEST_CASE("readyz is 503 naming the disk when it has less headroom than the setting asks") {
    festival_fixture festival(fixture_options().with_flags({"--test-disk-free-bytes", "500000000", "--ready-min-free-mb", "1000"}));
    const auto ready = festival.call("GET", "/readyz");
    CHECK(ready.status == 503);
    const auto body = ready.json();
    CHECK(body["failed"] == nlohmann::json::array({"disk"}));
    CHECK(body["error"]["code"] == "not_ready");
    CHECK(body["checks"]["disk"]["required_bytes"] == 1000000000);
    CHECK(body["checks"]["catalog"]["ok"] == true);
    // Liveness is another question: the process still answers.
    CHECK(festival.call("GET", "/healthz").status == 200);
}

TEST_CASE("readyz is 503 naming the transcoders when the workers asked for are not running") {
    festival_fixture festival(fixture_options().with_flags(
        {"--transcoders", "1", "--transcoder", "/nonexistent/festival-transcoder", "--ready-min-free-mb", "0"}));
    const auto ready = festival.call("GET", "/readyz");
    CHECK(ready.status == 503);
    const auto body = ready.json();
    CHECK(body["failed"] == nlohmann::json::array({"transcoders"}));
    CHECK(body["checks"]["transcoders"]["wanted"] == 1);
    CHECK(body["checks"]["transcoders"]["running"] == 0);
}

TEST_CASE("readyz is 503 naming the catalog while it cannot take a write") {
    in_process_festival festival({"--ready-min-free-mb", "0"});
    REQUIRE(festival.call("GET", "/readyz").status == 200);
    // Another connection holds the write lock past the busy timeout, as a stuck writer would.
    festival::catalog::database other(festival.app().catalog.path());
    std::optional<festival::catalog::transaction> stuck(std::in_place, other);  // SQLite: BEGIN IMMEDIATE
    const auto ready = festival.call("GET", "/readyz");
    stuck.reset();
    CHECK(ready.status == 503);
    const auto body = nlohmann::json::parse(ready.body);
    CHECK(body["failed"] == nlohmann::json::array({"catalog"}));
    CHECK(festival.call("GET", "/readyz").status == 200);
}
