// The HTTP core's metrics and the exposition text, without a socket: what a scraper reads back.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "server/http/metrics.hpp"
#include "server/http/router.hpp"
#include "tests/support/metrics_text.hpp"

using namespace festival::server;
using namespace festival::testing;
using std::chrono::milliseconds;

namespace {

router two_routes() {
    auto answer = [](http_request&) { return http_response::no_content(); };
    return router({{"GET", "/films", access::anyone, runs_on::io_thread, 0, answer},
                   {"GET", "/films/{key}", access::anyone, runs_on::io_thread, 0, answer}});
}

std::string text_of(const http_metrics& metrics) {
    std::string text;
    metrics_text out(text);
    metrics.write(out);
    return text;
}

}  // namespace

TEST_CASE("requests counted on two loops add up by route pattern and status, in text a scraper reads") {
    const auto routes = two_routes();
    const route* films = &routes.routes()[0];
    const route* film = &routes.routes()[1];
    http_metrics metrics(routes, 2);
    metrics.loop(0).count_request(films, 200, 100, milliseconds(1));
    metrics.loop(1).count_request(films, 200, 50, milliseconds(20));
    metrics.loop(1).count_request(film, 404, 7, milliseconds(3));
    metrics.loop(0).count_request(nullptr, 400, 0, milliseconds(0));
    metrics.loop(0).count_request(film, 418, 0, milliseconds(0));  // not counted alone: by its class

    const auto parsed = parse_metrics_text(text_of(metrics));
    CHECK(parsed.types.at("festival_http_requests_total") == "counter");
    CHECK(parsed.types.at("festival_http_request_duration_seconds") == "histogram");
    CHECK(parsed.value_or_zero(R"(festival_http_requests_total{method="GET",route="/films",code="200"})") == 2);
    CHECK(parsed.value_or_zero(R"(festival_http_requests_total{method="GET",route="/films/{key}",code="404"})") == 1);
    CHECK(parsed.value_or_zero(R"(festival_http_requests_total{method="GET",route="/films/{key}",code="4xx"})") == 1);
    CHECK(parsed.value_or_zero(R"(festival_http_requests_total{method="",route="unmatched",code="400"})") == 1);
    CHECK(parsed.value_or_zero(R"(festival_http_response_body_bytes_total{method="GET",route="/films"})") == 150);
    // The pattern, never the path: one series however many films are asked for.
    CHECK_FALSE(parsed.value(R"(festival_http_requests_total{method="GET",route="/films/{key}",code="200"})"));

    const std::string films_labels = R"(method="GET",route="/films")";
    CHECK(parsed.value_or_zero("festival_http_request_duration_seconds_bucket{" + films_labels + R"(,le="0.0005"})") == 0);
    CHECK(parsed.value_or_zero("festival_http_request_duration_seconds_bucket{" + films_labels + R"(,le="0.001"})") == 1);
    CHECK(parsed.value_or_zero("festival_http_request_duration_seconds_bucket{" + films_labels + R"(,le="0.01"})") == 1);
    CHECK(parsed.value_or_zero("festival_http_request_duration_seconds_bucket{" + films_labels + R"(,le="0.025"})") == 2);
    CHECK(parsed.value_or_zero("festival_http_request_duration_seconds_bucket{" + films_labels + R"(,le="+Inf"})") == 2);
    CHECK(parsed.value_or_zero("festival_http_request_duration_seconds_count{" + films_labels + "}") == 2);
    CHECK(parsed.value_or_zero("festival_http_request_duration_seconds_sum{" + films_labels + "}") ==
          doctest::Approx(0.021));
}

TEST_CASE("a histogram's buckets are cumulative and its count is its +Inf bucket") {
    const auto routes = two_routes();
    http_metrics metrics(routes, 1);
    const std::vector<milliseconds> took = {milliseconds(0), milliseconds(2), milliseconds(2), milliseconds(70),
                                            milliseconds(400), milliseconds(30000)};
    for (const auto t : took) metrics.loop(0).count_request(&routes.routes()[0], 200, 0, t);
    const auto parsed = parse_metrics_text(text_of(metrics));
    double previous = 0;
    for (const double le : latency_buckets_seconds) {
        std::string bound;
        std::string text;
        metrics_text(text).sample("x", "", le);  // the bound written as the exposition writes numbers
        bound = text.substr(2, text.size() - 3);
        const auto n = parsed.value_or_zero(R"(festival_http_request_duration_seconds_bucket{method="GET",route="/films",le=")" +
                                            bound + "\"}");
        CHECK(n >= previous);
        previous = n;
    }
    CHECK(previous == 5);  // 30 s is beyond the last bound
    CHECK(parsed.value_or_zero(R"(festival_http_request_duration_seconds_bucket{method="GET",route="/films",le="+Inf"})") == 6);
    CHECK(parsed.value_or_zero(R"(festival_http_request_duration_seconds_count{method="GET",route="/films"})") == 6);
}

TEST_CASE("open connections are those opened and not yet closed, on any loop") {
    const auto routes = two_routes();
    http_metrics metrics(routes, 2);
    metrics.loop(0).connections_opened += 3;
    metrics.loop(1).connections_opened += 2;
    metrics.loop(1).connections_closed += 4;
    const auto parsed = parse_metrics_text(text_of(metrics));
    CHECK(parsed.value_or_zero("festival_http_connections_accepted_total") == 5);
    CHECK(parsed.value_or_zero("festival_http_open_connections") == 1);
}

TEST_CASE("label values are escaped as the exposition format wants") {
    CHECK(label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    std::string text;
    metrics_text out(text);
    out.family("festival_test", "gauge", "A test.");
    out.sample("festival_test", "route=\"" + label_value("/x/\"{y}\"\\") + "\"", std::int64_t{-3});
    const auto parsed = parse_metrics_text(text);
    CHECK(parsed.value_or_zero(R"(festival_test{route="/x/\"{y}\"\\"})") == -3);
}

TEST_CASE("a shared histogram loses no observation from threads observing at once") {
    shared_histogram histogram;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&histogram] {
            for (int i = 0; i < 10000; ++i) histogram.observe(std::chrono::microseconds(i % 3 == 0 ? 100 : 20000));
        });
    for (auto& t : threads) t.join();
    const auto counts = histogram.counts();
    std::uint64_t total = 0;
    for (const auto n : counts) total += n;
    CHECK(total == 40000);
    CHECK(counts[latency_bucket(std::chrono::microseconds(100))] == 4 * 3334);
    CHECK(histogram.sum_seconds() == doctest::Approx(4 * (3334 * 0.0001 + 6666 * 0.02)));
}
