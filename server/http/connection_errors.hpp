#pragma once
// How the connection's code tells errors apart: those worth a log line, and bodies framed wrongly.
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "transcoder/process/log_event.hpp"

namespace festival::server {

// Logs an I/O error, except the ordinary ends of a connection (the client left, a deadline closed it).
inline void log_connection_error(boost::beast::error_code ec, const char* what) {
    namespace http = boost::beast::http;
    namespace error = boost::asio::error;
    if (ec == error::operation_aborted || ec == error::eof || ec == error::connection_reset ||
        ec == error::broken_pipe || ec == http::error::end_of_stream || ec == http::error::partial_message)
        return;
    log_event("connection_error", {{"what", what}, {"message", ec.message()}});
}

// A body the client framed wrongly (a bad chunk size, a bad trailer …), as opposed to a client that
// went away or stalled mid-body: the former deserves a 400 before the connection closes.
inline bool is_malformed_body(boost::beast::error_code ec) {
    namespace http = boost::beast::http;
    if (ec.category() != http::make_error_code(http::error::bad_chunk).category()) return false;
    return ec != http::error::end_of_stream && ec != http::error::partial_message && ec != http::error::short_read &&
           ec != http::error::need_more && ec != http::error::need_buffer;
}

}  // namespace festival::server
