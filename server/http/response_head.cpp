#include "server/http/response_head.hpp"

#include <boost/beast/http/status.hpp>

#include "server/http/http_date.hpp"

namespace festival::server {

void format_head(std::string& head, const http_response& response, std::optional<std::uint64_t> content_length,
                 bool keep_alive, std::string_view every_answer_lines) {
    namespace http = boost::beast::http;
    head.clear();
    head.reserve(256);
    head += "HTTP/1.1 ";
    head += std::to_string(response.status);
    head += ' ';
    const auto reason = http::obsolete_reason(static_cast<http::status>(response.status));
    head.append(reason.data(), reason.size());
    head += "\r\n";
    for (const auto& [name, value] : response.headers) {
        head += name;
        head += ": ";
        head += value;
        head += "\r\n";
    }
    if (response.shared_header_lines) head += *response.shared_header_lines;
    head += response.static_header_lines.view();
    head += every_answer_lines;
    head += "Server: festival\r\n";
    head += date_header_line();
    if (response.status != 204 && response.status != 304 && content_length) {
        head += "Content-Length: ";
        head += std::to_string(*content_length);
        head += "\r\n";
    }
    if (!keep_alive) head += "Connection: close\r\n";
    head += "\r\n";
}

}  // namespace festival::server
