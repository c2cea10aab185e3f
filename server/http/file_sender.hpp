#pragma once
// A connection's file answers: the header, then the file's byte range with sendfile(2), waiting for
// the socket whenever it is full. A part of the connection (connection.cpp includes it): Connection
// gives it socket_, x_ (the exchange, whose `head` and `file` it sends), close() and on_written().
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "server/http/connection_errors.hpp"

namespace festival::server {

template <typename Connection>
class file_sender {
protected:
    // The header goes out with MSG_MORE so the kernel joins it with the first file bytes.
    void send_head_then_file() {
        auto& c = connection();
        const int fd = c.socket_.native_handle();
        const ssize_t sent = ::send(fd, c.x_->head.data(), c.x_->head.size(), MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent == static_cast<ssize_t>(c.x_->head.size())) return send_file_chunk();
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return c.close();
        c.x_->head.erase(0, sent > 0 ? static_cast<std::size_t>(sent) : 0);
        boost::asio::async_write(c.socket_, boost::asio::buffer(c.x_->head),
                                 [self = c.shared_from_this()](boost::beast::error_code ec, std::size_t) {
                                     if (ec) return log_connection_error(ec, "write head"), self->close();
                                     self->send_file_chunk();
                                 });
    }

private:
    void send_file_chunk() {
        auto& c = connection();
        auto& socket = c.socket_;
        auto& file = *c.x_->file;
        const int fd = socket.native_handle();
        while (file.length > 0) {
            off_t offset = static_cast<off_t>(file.offset);
            const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(file.length, 1 << 20));
            const ssize_t sent = ::sendfile(fd, file.file->fd, &offset, chunk);
            if (sent > 0) {
                file.offset += static_cast<std::uint64_t>(sent);
                file.length -= static_cast<std::uint64_t>(sent);
                continue;
            }
            if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                socket.async_wait(boost::asio::ip::tcp::socket::wait_write,
                                  boost::asio::bind_executor(socket.get_executor(),
                                                             [self = c.shared_from_this()](boost::beast::error_code ec) {
                                                                 if (ec)
                                                                     return log_connection_error(ec, "wait write"),
                                                                            self->close();
                                                                 self->send_file_chunk();
                                                             }));
                return;
            }
            if (sent < 0 && errno == EINTR) continue;
            return c.close();  // file shrank or the peer went away: the length promised cannot be kept
        }
        c.on_written({});
    }

    Connection& connection() { return static_cast<Connection&>(*this); }
};

}  // namespace festival::server
