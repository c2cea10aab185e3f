#pragma once
// The status line and header block of an answer, as the connection sends it before the body.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/http_message.hpp"

namespace festival::server {

// Written over `head` (whose storage is reused): the status line, the response's headers, its shared
// and static lines, `every_answer_lines` (the server's), Server, Date, Content-Length when `content_length` is given (never for 204 and
// 304), "Connection: close" unless `keep_alive`, and the blank line.
void format_head(std::string& head, const http_response& response, std::optional<std::uint64_t> content_length,
                 bool keep_alive, std::string_view every_answer_lines = {});

}  // namespace festival::server
