#include "server/http/access_log.hpp"

#include <cstdio>
#include <ctime>
#include <mutex>

#include "server/http/client_address.hpp"

namespace festival::server {

std::string address_for_log(std::string_view address) { return address_prefix(address, 24, 48); }

// Secrets carried in a path (play ids, filmmakers' report and invitation tokens) are not written: the
// segment after a segment named below is logged as "-".
std::string path_for_log(std::string_view path) {
    static constexpr std::string_view secret_after[] = {"plays", "report", "reports", "invitation", "invitations"};
    std::string logged;
    logged.reserve(path.size());
    bool hide_next = false;
    std::size_t start = 0;
    while (start < path.size()) {
        auto end = path.find('/', start + 1);
        if (end == std::string_view::npos) end = path.size();
        const auto segment = path.substr(start, end - start);  // with its leading '/'
        const auto name = segment.substr(segment.empty() || segment[0] != '/' ? 0 : 1);
        logged += hide_next && !name.empty() ? "/-" : std::string(segment);
        hide_next = false;
        for (const auto secret : secret_after) hide_next = hide_next || name == secret;
        start = end;
    }
    return logged;
}

void write_access_line(const http_request& request, int status, std::uint64_t bytes,
                       std::chrono::steady_clock::time_point started) {
    static std::mutex log_mutex;
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    const auto now = std::time(nullptr);
    char when[32];
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const auto path =
        nlohmann::json(path_for_log(request.path)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const auto remote = address_for_log(request.remote_address);
    std::lock_guard lock(log_mutex);
    std::fprintf(stdout,
                 "{\"ts\":\"%s\",\"remote\":\"%s\",\"method\":\"%s\",\"path\":%s,\"status\":%d,"
                 "\"bytes\":%llu,\"us\":%lld}\n",
                 when, remote.c_str(), request.method.c_str(), path.c_str(), status,
                 static_cast<unsigned long long>(bytes), static_cast<long long>(micros));
    std::fflush(stdout);
}

}  // namespace festival::server
