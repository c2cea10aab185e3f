// Every route that takes a JSON body, called through the dispatcher as a signed-in organizer with
// arbitrary bytes as the body. Bad input must come back as a 4xx answer: a 5xx here is a defect.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"

using namespace festival;

namespace {

// Routes whose body is a JSON document (not streamed uploads, files or password checks, which
// are slow on purpose and take the same JSON path as every other route).
std::vector<const server::route*> json_routes() {
    std::vector<const server::route*> found;
    for (const auto& r : fuzzing::shared_festival().routes->routes().routes()) {
        if (r.method != "POST" && r.method != "PUT" && r.method != "PATCH") continue;
        if (r.open_sink || r.body_limit == 0) continue;
        if (r.pattern == "/api/session") continue;
        if (r.pattern.find("subtitles") != std::string::npos || r.pattern.find("poster") != std::string::npos) continue;
        found.push_back(&r);
    }
    return found;
}

std::string concrete_path(const std::string& pattern, const std::string& film) {
    std::string path;
    std::size_t at = 0;
    while (at < pattern.size()) {
        const auto open = pattern.find('{', at);
        if (open == std::string::npos) {
            path += pattern.substr(at);
            break;
        }
        path += pattern.substr(at, open - at);
        const auto close = pattern.find('}', open);
        const auto name = pattern.substr(open + 1, close - open - 1);
        path += name == "key" || name == "film" ? film : name == "lang" ? std::string("fr") : std::string("1");
        at = close + 1;
    }
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto routes = json_routes();
    if (size < 1 || routes.empty()) return 0;
    auto& festival = fuzzing::shared_festival();
    const auto& route = *routes[data[0] % routes.size()];

    server::http_request request;
    request.method = route.method;
    request.path = concrete_path(route.pattern, festival.film_slug);
    request.target = request.path;
    request.remote_address = "127.0.0.1";
    request.headers = {{"content-type", "application/json"}, {"x-csrf-token", festival.organizer.csrf_token}};
    request.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
    request.session = festival.organizer;
    auto match = festival.routes->routes().match(request.method, request.path);
    if (match.found != &route) return 0;
    const auto response = festival.routes->run(match, request);
    if (response.status >= 500) {
        std::fprintf(stderr, "%s %s answered %d: %s\n", request.method.c_str(), request.path.c_str(), response.status,
                     response.body.c_str());
        __builtin_trap();
    }
    return 0;
}
