#pragma once
// A socket read that remembers when it drained the socket, as nginx does: a read that brings fewer
// bytes than asked for has emptied the kernel's buffer, so the next read waits for epoll's next
// edge instead of first trying recv(2) and getting EAGAIN. Asio's own reads always try first; for a
// keep-alive connection that asks for its next request right after answering, that try failed on
// about half of all requests (measured: 1.6 recv calls a request, nginx 1.0).
//
// It is an Asio reactor operation, so the socket keeps one epoll registration, one queue of
// operations and Asio's own ordering and cancellation (a close completes it with operation_aborted).
// That takes Asio's detail namespace: the layout checked here is Boost 1.81's epoll reactor. CMake's
// FESTIVAL_DRAINED_READ (AUTO) picks it only there; ready_read.hpp is the public-Asio fallback.
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <memory>

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>

#if !defined(BOOST_ASIO_HAS_EPOLL) || defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT) || BOOST_VERSION / 100 != 1081
#error "drained_read is written against Boost 1.81's epoll reactor: check reactor_op and epoll_reactor::start_op"
#endif

namespace festival::server {

// A TCP socket on an io_context's own executor, as accepted.
using accepted_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

// The same socket, whose reactor registration reads can reach.
class reader_socket : public accepted_socket {
public:
    explicit reader_socket(accepted_socket&& socket) : accepted_socket(std::move(socket)) {}
    boost::asio::detail::reactor::per_descriptor_data& reactor_data() {
        return impl_.get_implementation().reactor_data_;
    }
};

// What a loop keeps for its readers: its reactor, where they queue their reads.
struct reader_loop_state {
    explicit reader_loop_state(boost::asio::io_context& context)
        : reactor(boost::asio::use_service<boost::asio::detail::reactor>(context)) {}
    boost::asio::detail::reactor& reactor;
};

// One read at a time; the owner lends the memory only when the socket has bytes: Owner::read_room()
// gives a mutable_buffer just before recv(2), Owner::read_found_nothing() is told when recv found
// none, and Owner::on_read(error_code, bytes) is called on the socket's loop once the read is done.
// So a connection waiting for its next request holds no buffer. The owner is kept alive by a
// shared_ptr while a read is queued.
template <typename Owner>
class drained_read : private boost::asio::detail::reactor_op {
public:
    drained_read() : reactor_op(boost::system::error_code(), &perform, &complete) {}
    drained_read(const drained_read&) = delete;
    drained_read& operator=(const drained_read&) = delete;

    // `loop` is the socket's context's; the socket must be non-blocking.
    void start(reader_loop_state& loop, reader_socket& socket, std::shared_ptr<Owner> owner) {
        fd_ = socket.native_handle();
        owner_ = std::move(owner);
        ec_ = boost::system::error_code();
        bytes_transferred_ = 0;
        loop.reactor.start_op(boost::asio::detail::reactor::read_op, fd_, socket.reactor_data(), this,
                         /*is_continuation=*/true, /*allow_speculative=*/true);
    }

private:
    static status perform(reactor_op* base) {
        auto* self = static_cast<drained_read*>(base);
        const boost::asio::mutable_buffer room = self->owner_->read_room();
        for (;;) {
            const ssize_t n = ::recv(self->fd_, room.data(), room.size(), 0);
            if (n > 0) {
                self->bytes_transferred_ = static_cast<std::size_t>(n);
                // Fewer bytes than room: the socket is empty until its next edge.
                return self->bytes_transferred_ < room.size() ? done_and_exhausted : done;
            }
            if (n == 0) {
                self->ec_ = boost::asio::error::eof;
                return done_and_exhausted;
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                self->owner_->read_found_nothing();
                return not_done;
            }
            self->ec_ = boost::system::error_code(errno, boost::asio::error::get_system_category());
            return done;
        }
    }

    // `io_context` is null when the loop is destroyed with the read still queued: only let go.
    static void complete(void* io_context, boost::asio::detail::operation* base, const boost::system::error_code&,
                         std::size_t) {
        auto* self = static_cast<drained_read*>(static_cast<reactor_op*>(base));
        auto owner = std::move(self->owner_);
        if (!io_context) return;
        owner->on_read(self->ec_, self->bytes_transferred_);
    }

    int fd_ = -1;
    std::shared_ptr<Owner> owner_;
};

}  // namespace festival::server
