#pragma once
// The text of GET /metrics (Prometheus text format 0.0.4): the HTTP core's counters, the festival's
// (festival_metrics), and figures read when scraped: live viewers, the jobs table, the transcoder
// workers, the process's memory and descriptors. Reads SQLite: call it on a worker thread.
#include <string>

namespace festival::server {

struct festival_app;
class http_metrics;

// `http` may be nullptr (no HTTP counters kept).
std::string festival_metrics_text(festival_app& app, const http_metrics* http);

inline constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace festival::server
