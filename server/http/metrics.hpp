#pragma once
// Prometheus metrics of the HTTP core, and the text exposition (format 0.0.4) every metric of the
// server is written in. Counting a request costs a few relaxed loads and stores on memory only its
// I/O loop writes: each loop has a shard of its own, and the shards are summed when scraped (never
// a lock or a shared cache line per request).
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace festival::server {

class router;
struct route;

// Upper bounds of the latency buckets, in seconds (+Inf follows): from a cached segment to a slow upload.
inline constexpr std::array<double, 14> latency_buckets_seconds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                                   0.1,    0.25,  0.5,    1,     2.5,  5,    10};
using latency_counts = std::array<std::uint64_t, latency_buckets_seconds.size() + 1>;  // per bucket, +Inf last

// Adds to a counter only one thread writes: a plain load and store (no locked instruction), and a
// scraping thread still reads whole values.
inline void add_by_owner(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// The bucket a duration falls in (latency_buckets_seconds.size() for +Inf).
std::size_t latency_bucket(std::chrono::nanoseconds took);

// A latency histogram any thread may observe (relaxed fetch_add): for events far rarer than requests.
class shared_histogram {
public:
    void observe(std::chrono::nanoseconds took);
    latency_counts counts() const;
    double sum_seconds() const;

private:
    std::array<std::atomic<std::uint64_t>, latency_buckets_seconds.size() + 1> buckets_{};
    std::atomic<std::uint64_t> sum_ns_{0};
};

// Writes metric families in the text exposition format: HELP and TYPE once per family, then samples.
// Label lists are given as written between the braces, values already escaped (label_value).
class metrics_text {
public:
    explicit metrics_text(std::string& out) : out_(out) {}
    void family(std::string_view name, std::string_view type, std::string_view help);
    void sample(std::string_view name, std::string_view labels, double value);
    void sample(std::string_view name, std::string_view labels, std::uint64_t value);
    void sample(std::string_view name, std::string_view labels, std::int64_t value);
    // A histogram's _bucket (cumulative, le), _sum and _count samples.
    void histogram(std::string_view name, std::string_view labels, const latency_counts& counts, double sum_seconds);

private:
    std::string& out_;
};

// A label value escaped as the format wants it: backslash, double quote and newline.
std::string label_value(std::string_view raw);

// What one I/O loop counts; written by that loop's thread only (connections by any, rarely).
struct http_loop_counters {
    struct per_route;
    http_loop_counters(const route* first_route, std::size_t routes);
    ~http_loop_counters();

    // A request answered: its route (nullptr: none matched), status, body bytes sent and time taken
    // from its header to its answer's last byte.
    void count_request(const route* matched, int status, std::uint64_t body_bytes, std::chrono::nanoseconds took);

    const route* first_route;
    std::size_t routes;
    std::unique_ptr<per_route[]> by_route;  // routes + 1: the last is "no route matched"
    alignas(64) std::atomic<std::uint64_t> connections_opened{0};
    std::atomic<std::uint64_t> connections_closed{0};
};

// The HTTP core's metrics: one shard per I/O loop, summed by write().
class http_metrics {
public:
    http_metrics(const router& routes, std::size_t loops);
    ~http_metrics();
    http_metrics(const http_metrics&) = delete;
    http_metrics& operator=(const http_metrics&) = delete;

    http_loop_counters& loop(std::size_t index) { return *loops_[index]; }
    // festival_http_* families, summed over the loops.
    void write(metrics_text& out) const;

private:
    const router& routes_;
    std::vector<std::unique_ptr<http_loop_counters>> loops_;
};

}  // namespace festival::server
