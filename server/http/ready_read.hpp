#pragma once
// The public-Asio twin of drained_read.hpp, chosen when FESTIVAL_DRAINED_READ is off (any Boost other
// than 1.81's epoll reactor, and the sanitizer build, so that CI runs the HTTP tests on both). Same
// contract for the owner, same reads: recv(2) is tried at once unless the last read drained the socket,
// in which case the read first waits for readiness (socket.async_wait(wait_read)) instead of trying a
// recv that would find nothing. Readiness costs one more epoll_ctl than drained_read's reactor op.
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <memory>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

namespace festival::server {

// A TCP socket on an io_context's own executor, as accepted and as read.
using accepted_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;
using reader_socket = accepted_socket;

// What a loop keeps for its readers: nothing beyond its io_context.
struct reader_loop_state {
    explicit reader_loop_state(boost::asio::io_context&) {}
};

// One read at a time; the owner lends the memory only when the socket has bytes: Owner::read_room()
// gives a mutable_buffer just before recv(2), Owner::read_found_nothing() is told when recv found
// none, and Owner::on_read(error_code, bytes) is called on the socket's loop once the read is done.
// The owner is kept alive by the handlers while a read is queued.
template <typename Owner>
class ready_read {
public:
    ready_read() = default;
    ready_read(const ready_read&) = delete;
    ready_read& operator=(const ready_read&) = delete;

    // The socket must be non-blocking; `socket` and this object live as long as the owner.
    void start(reader_loop_state&, reader_socket& socket, std::shared_ptr<Owner> owner) {
        if (!drained_ && try_read(socket, *owner)) {
            // Completed from the loop, as a queued operation would be: no recursion into the owner.
            boost::asio::post(socket.get_executor(), [this, owner = std::move(owner)] { finish(*owner); });
            return;
        }
        wait(socket, std::move(owner));
    }

private:
    void wait(reader_socket& socket, std::shared_ptr<Owner> owner) {
        socket.async_wait(reader_socket::wait_read,
                          [this, &socket, owner = std::move(owner)](boost::system::error_code ec) mutable {
                              if (ec) {
                                  ec_ = ec;  // a close or the loop's end: operation_aborted
                                  bytes_transferred_ = 0;
                                  return finish(*owner);
                              }
                              if (try_read(socket, *owner)) return finish(*owner);
                              wait(socket, std::move(owner));
                          });
    }

    // One recv into the owner's room: true when the read is done (bytes, the end, or an error).
    bool try_read(reader_socket& socket, Owner& owner) {
        ec_ = boost::system::error_code();
        bytes_transferred_ = 0;
        const boost::asio::mutable_buffer room = owner.read_room();
        for (;;) {
            const ssize_t n = ::recv(socket.native_handle(), room.data(), room.size(), 0);
            if (n > 0) {
                bytes_transferred_ = static_cast<std::size_t>(n);
                drained_ = bytes_transferred_ < room.size();  // fewer bytes than room: the socket is empty
                return true;
            }
            if (n == 0) {
                ec_ = boost::asio::error::eof;
                drained_ = true;
                return true;
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                drained_ = true;
                owner.read_found_nothing();
                return false;
            }
            ec_ = boost::system::error_code(errno, boost::asio::error::get_system_category());
            return true;
        }
    }

    void finish(Owner& owner) { owner.on_read(ec_, bytes_transferred_); }

    boost::system::error_code ec_;
    std::size_t bytes_transferred_ = 0;
    // The last recv brought fewer bytes than room, or none: the socket stays empty until it is ready
    // again. Stale after reads made by Beast in between, which only costs one readiness wait.
    bool drained_ = false;
};

}  // namespace festival::server
