#pragma once
// A connection's server-sent events: after the header, the route's event_stream is polled on the
// worker pool every interval and what it returns is written, until it ends, the client leaves or the
// server stops; then the connection closes (an event stream has no length). A part of the connection
// (connection.cpp includes it): Connection gives it socket_, x_ (the exchange: head, body, events,
// event_timer, quiet_polls), server_, expires_after(), expires_never() and on_written().
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>


namespace festival::server {

template <typename Connection>
class event_stream_writer {
protected:
    void start_event_stream(std::shared_ptr<event_stream> events) {
        auto& c = connection();
        c.x_->events = std::move(events);
        c.x_->event_timer.emplace(c.socket_.get_executor());
        const std::array<boost::asio::const_buffer, 2> buffers{boost::asio::buffer(c.x_->head),
                                                               boost::asio::buffer(c.x_->body)};
        boost::asio::async_write(c.socket_, buffers, [self = c.shared_from_this()](boost::beast::error_code ec, std::size_t) {
            if (ec) return self->end_event_stream();
            self->poll_events();
        });
    }

private:
    void poll_events() {
        auto& c = connection();
        if (c.server_.stopping) return end_event_stream();
        boost::asio::post(c.server_.workers, [self = c.shared_from_this()] {
            std::optional<std::string> text;
            http_response ignored;
            if (!self->server_.routes.run_sink_step([&] { text = self->x_->events->poll(); }, ignored)) text.reset();
            boost::asio::post(self->socket_.get_executor(), [self, text = std::move(text)]() mutable {
                if (!text) return self->end_event_stream();
                // A comment line now and then finds clients that left without closing.
                if (text->empty() && ++self->x_->quiet_polls * self->x_->events->interval < std::chrono::seconds(15))
                    return self->wait_for_next_poll();
                self->x_->quiet_polls = 0;
                self->x_->body = text->empty() ? std::string(":\n\n") : std::move(*text);
                self->expires_after(self->server_.options.read_timeout);
                boost::asio::async_write(self->socket_, boost::asio::buffer(self->x_->body),
                                         [self](boost::beast::error_code ec, std::size_t) {
                                             if (ec) return self->end_event_stream();
                                             self->wait_for_next_poll();
                                         });
            });
        });
    }

    void wait_for_next_poll() {
        auto& c = connection();
        c.expires_never();
        c.x_->event_timer->expires_after(c.x_->events->interval);
        c.x_->event_timer->async_wait([self = c.shared_from_this()](boost::beast::error_code ec) {
            if (ec) return self->end_event_stream();
            self->poll_events();
        });
    }

    void end_event_stream() {
        auto& c = connection();
        c.x_->events.reset();
        c.on_written({});
    }

    Connection& connection() { return static_cast<Connection&>(*this); }
};

}  // namespace festival::server
