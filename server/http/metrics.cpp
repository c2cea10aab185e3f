#include "server/http/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <charconv>

#include "server/http/router.hpp"

namespace festival::server {
namespace {

// Status codes counted one by one; any other counts as its class ("4xx"), so a route's counters are
// a small fixed array, indexed without a search.
constexpr std::array<int, 35> counted_statuses = {101, 200, 201, 204, 206, 301, 302, 303, 304, 307, 308,
                                                  400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412,
                                                  413, 414, 415, 416, 422, 423, 426, 429, 431, 500, 501,
                                                  503, 507};
constexpr std::size_t class_slots = 5;  // 1xx … 5xx
constexpr std::size_t status_slots = counted_statuses.size() + class_slots;

constexpr std::array<std::uint8_t, 600> make_status_slot_table() {
    std::array<std::uint8_t, 600> table{};
    for (int status = 100; status < 600; ++status)
        table[static_cast<std::size_t>(status)] = static_cast<std::uint8_t>(counted_statuses.size() + status / 100 - 1);
    for (std::size_t i = 0; i < counted_statuses.size(); ++i)
        table[static_cast<std::size_t>(counted_statuses[i])] = static_cast<std::uint8_t>(i);
    return table;
}
constexpr auto status_slot_table = make_status_slot_table();

std::size_t status_slot(int status) {
    if (status < 100 || status >= 600) status = 500;
    return status_slot_table[static_cast<std::size_t>(status)];
}

std::string status_label(std::size_t slot) {
    if (slot < counted_statuses.size()) return std::to_string(counted_statuses[slot]);
    return std::to_string(slot - counted_statuses.size() + 1) + "xx";
}

void append_number(std::string& out, double value) {
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;  // the shortest text that reads back exactly
    out.append(text, static_cast<std::size_t>(end - text));
}

}  // namespace

std::size_t latency_bucket(std::chrono::nanoseconds took) {
    const double seconds = std::chrono::duration<double>(took).count();
    return static_cast<std::size_t>(std::lower_bound(latency_buckets_seconds.begin(), latency_buckets_seconds.end(), seconds) -
                                    latency_buckets_seconds.begin());
}

void shared_histogram::observe(std::chrono::nanoseconds took) {
    buckets_[latency_bucket(took)].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(took.count(), 0)), std::memory_order_relaxed);
}

latency_counts shared_histogram::counts() const {
    latency_counts counts{};
    for (std::size_t i = 0; i < counts.size(); ++i) counts[i] = buckets_[i].load(std::memory_order_relaxed);
    return counts;
}

double shared_histogram::sum_seconds() const { return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9; }

std::string label_value(std::string_view raw) {
    std::string escaped;
    escaped.reserve(raw.size());
    for (const char c : raw) {
        if (c == '\\') escaped += "\\\\";
        else if (c == '"') escaped += "\\\"";
        else if (c == '\n') escaped += "\\n";
        else escaped += c;
    }
    return escaped;
}

void metrics_text::family(std::string_view name, std::string_view type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void metrics_text::sample(std::string_view name, std::string_view labels, double value) {
    out_.append(name);
    if (!labels.empty()) out_.append("{").append(labels).append("}");
    out_ += ' ';
    append_number(out_, value);
    out_ += '\n';
}

void metrics_text::sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    out_.append(name);
    if (!labels.empty()) out_.append("{").append(labels).append("}");
    out_.append(" ").append(std::to_string(value)).append("\n");
}

void metrics_text::sample(std::string_view name, std::string_view labels, std::int64_t value) {
    out_.append(name);
    if (!labels.empty()) out_.append("{").append(labels).append("}");
    out_.append(" ").append(std::to_string(value)).append("\n");
}

void metrics_text::histogram(std::string_view name, std::string_view labels, const latency_counts& counts,
                             double sum_seconds) {
    const std::string bucket = std::string(name) + "_bucket";
    const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        std::string le = "+Inf";
        if (i < latency_buckets_seconds.size()) {
            le.clear();
            append_number(le, latency_buckets_seconds[i]);
        }
        sample(bucket, prefix + "le=\"" + le + "\"", cumulative);
    }
    sample(std::string(name) + "_sum", labels, sum_seconds);
    sample(std::string(name) + "_count", labels, cumulative);
}

struct http_loop_counters::per_route {
    std::array<std::atomic<std::uint64_t>, status_slots> by_status{};
    std::array<std::atomic<std::uint64_t>, latency_buckets_seconds.size() + 1> latency{};
    std::atomic<std::uint64_t> latency_ns{0};
    std::atomic<std::uint64_t> body_bytes{0};
};

http_loop_counters::http_loop_counters(const route* first, std::size_t count)
    : first_route(first), routes(count), by_route(std::make_unique<per_route[]>(count + 1)) {}

http_loop_counters::~http_loop_counters() = default;

void http_loop_counters::count_request(const route* matched, int status, std::uint64_t body_bytes,
                                       std::chrono::nanoseconds took) {
    const auto index = matched ? static_cast<std::size_t>(matched - first_route) : routes;
    auto& counters = by_route[std::min(index, routes)];
    add_by_owner(counters.by_status[status_slot(status)], 1);
    add_by_owner(counters.latency[latency_bucket(took)], 1);
    add_by_owner(counters.latency_ns, static_cast<std::uint64_t>(std::max<std::int64_t>(took.count(), 0)));
    add_by_owner(counters.body_bytes, body_bytes);
}

http_metrics::http_metrics(const router& routes, std::size_t loops) : routes_(routes) {
    for (std::size_t i = 0; i < loops; ++i)
        loops_.push_back(std::make_unique<http_loop_counters>(routes.routes().data(), routes.routes().size()));
}

http_metrics::~http_metrics() = default;

void http_metrics::write(metrics_text& out) const {
    const auto& table = routes_.routes();
    auto route_labels = [&table](std::size_t index) {
        if (index == table.size()) return std::string("method=\"\",route=\"unmatched\"");
        return "method=\"" + label_value(table[index].method) + "\",route=\"" + label_value(table[index].pattern) + "\"";
    };
    auto sum = [this](std::size_t route, auto member) {
        std::uint64_t total = 0;
        for (const auto& loop : loops_) total += member(loop->by_route[route]).load(std::memory_order_relaxed);
        return total;
    };

    out.family("festival_http_requests_total", "counter", "HTTP requests answered, by route pattern and status code.");
    for (std::size_t r = 0; r <= table.size(); ++r)
        for (std::size_t slot = 0; slot < status_slots; ++slot)
            if (const auto n = sum(r, [slot](auto& c) -> auto& { return c.by_status[slot]; }); n > 0)
                out.sample("festival_http_requests_total", route_labels(r) + ",code=\"" + status_label(slot) + "\"", n);

    out.family("festival_http_request_duration_seconds", "histogram",
               "Time from a request's header to its answer's last byte, by route pattern.");
    for (std::size_t r = 0; r <= table.size(); ++r) {
        latency_counts counts{};
        for (std::size_t b = 0; b < counts.size(); ++b) counts[b] = sum(r, [b](auto& c) -> auto& { return c.latency[b]; });
        const double seconds = static_cast<double>(sum(r, [](auto& c) -> auto& { return c.latency_ns; })) / 1e9;
        if (r == table.size() || std::any_of(counts.begin(), counts.end(), [](auto n) { return n > 0; }))
            out.histogram("festival_http_request_duration_seconds", route_labels(r), counts, seconds);
    }

    out.family("festival_http_response_body_bytes_total", "counter",
               "Bytes of answer bodies sent (files included, event streams not), by route pattern.");
    for (std::size_t r = 0; r <= table.size(); ++r)
        if (const auto n = sum(r, [](auto& c) -> auto& { return c.body_bytes; }); n > 0 || r == table.size())
            out.sample("festival_http_response_body_bytes_total", route_labels(r), n);

    std::uint64_t opened = 0, closed = 0;
    for (const auto& loop : loops_) {
        opened += loop->connections_opened.load(std::memory_order_relaxed);
        closed += loop->connections_closed.load(std::memory_order_relaxed);
    }
    out.family("festival_http_connections_accepted_total", "counter", "Client connections accepted.");
    out.sample("festival_http_connections_accepted_total", "", opened);
    out.family("festival_http_open_connections", "gauge", "Client connections open now.");
    out.sample("festival_http_open_connections", "", static_cast<std::int64_t>(opened) - static_cast<std::int64_t>(closed));
}

}  // namespace festival::server
