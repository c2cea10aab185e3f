#include "transcoder/process/log_event.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

namespace festival {

std::string event_line(std::string_view event, const nlohmann::ordered_json& fields) {
    nlohmann::ordered_json line = nlohmann::ordered_json::object();
    line["event"] = std::string(event);
    if (fields.is_object())
        for (const auto& [key, value] : fields.items())
            if (key != "event") line[key] = value;
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void log_event(std::string_view event, const nlohmann::ordered_json& fields, std::FILE* stream) {
    const std::string text = event_line(event, fields) + '\n';
    std::fflush(stream);  // keep order with anything written through stdio before
    const int fd = fileno(stream);
    for (std::size_t written = 0; written < text.size();) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a log that cannot be written must not stop the festival
        written += static_cast<std::size_t>(n);
    }
}

}  // namespace festival
