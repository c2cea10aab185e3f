#pragma once
// A connection's streamed request bodies (uploads): access is checked and the route's body sink
// opened on the worker pool before a single body byte is read; then each piece read is handed to the
// sink there, one at a time, and the sink's answer is written. A part of the connection
// (connection.cpp includes it): Connection gives it socket_, x_ (the exchange: buffer, parser,
// streaming_parser, sink, piece_buffer), server_, loop_, keep_alive_, expires_after(),
// expires_never(), write(), close() and reply_and_close().
#include <memory>
#include <string_view>

#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>

#include "server/http/connection_errors.hpp"
#include "server/http/exchange.hpp"

namespace festival::server {

template <typename Connection>
class body_streamer {
protected:
    void open_body_sink() {
        auto& c = connection();
        c.x_->in_flight.emplace(c.loop_.requests_in_flight);
        c.expires_never();
        boost::asio::post(c.server_.workers, [self = c.shared_from_this()] {
            http_response refusal;
            auto sink = self->server_.routes.open_sink(self->x_->match, self->x_->request, refusal);
            boost::asio::post(self->socket_.get_executor(),
                              [self, sink = std::move(sink), refusal = std::move(refusal)]() mutable {
                                  if (!sink) {
                                      self->keep_alive_ = false;  // the unread body makes the connection unusable
                                      return self->write(std::move(refusal));
                                  }
                                  self->x_->sink = std::move(sink);
                                  self->x_->streaming_parser.emplace(std::move(*self->x_->parser));
                                  self->read_body_piece();
                              });
        });
    }

    // Answers a body the server will not take (too large, or framed wrongly) and closes; false for
    // errors that leave nobody to answer (the client went away, the read timed out).
    bool refuse_body(boost::beast::error_code ec) {
        namespace http = boost::beast::http;
        int status = 413;
        const char* code = "body_too_large";
        const char* message = nullptr;
        if (ec == http::error::body_limit) {
            message = "the body is too large";
        } else if (ec == http::error::buffer_overflow) {
            message = "a chunk header or the trailer section is too long";
        } else if (is_malformed_body(ec)) {
            status = 400, code = "bad_request", message = "malformed HTTP request body";
        } else {
            return false;
        }
        interrupt_body();  // an upload keeps what arrived before the refused bytes
        connection().reply_and_close(status, code, message);
        return true;
    }

    // Keeps what arrived for a resume; runs on the worker pool, the sink dies with the request.
    void interrupt_body() {
        auto& c = connection();
        if (!c.x_->sink) return;
        boost::asio::post(c.server_.workers,
                          [sink = std::shared_ptr<body_sink>(std::move(c.x_->sink))] { sink->interrupted(); });
        c.x_->streaming_parser.reset();
    }

private:
    void read_body_piece() {
        namespace http = boost::beast::http;
        auto& c = connection();
        auto& x = *c.x_;
        auto& parser = *x.streaming_parser;
        if (parser.is_done()) return finish_body();
        if (!x.piece_buffer) x.piece_buffer = std::make_unique<char[]>(exchange::piece_size);
        // Beast reads at most the read buffer's free capacity (64 KB at most): left at the size the
        // header needed, each read would bring about a kilobyte, and each kilobyte a trip to the sink.
        x.buffer.reserve(exchange::body_read_room);
        parser.get().body().data = x.piece_buffer.get();
        parser.get().body().size = exchange::piece_size;
        c.expires_after(c.server_.options.read_timeout);
        http::async_read_some(c.socket_, x.buffer, parser, [self = c.shared_from_this()](boost::beast::error_code ec, std::size_t) {
            if (ec == http::error::need_buffer) ec = {};
            if (ec && self->refuse_body(ec)) return;
            if (ec) return log_connection_error(ec, "read body piece"), self->interrupt_body(), self->close();
            const std::size_t got = exchange::piece_size - self->x_->streaming_parser->get().body().size;
            if (got == 0) return self->read_body_piece();
            self->expires_never();
            boost::asio::post(self->server_.workers, [self, got] {
                http_response refusal;
                const bool ok = self->server_.routes.run_sink_step(
                    [&] { self->x_->sink->write(std::string_view(self->x_->piece_buffer.get(), got)); }, refusal);
                boost::asio::post(self->socket_.get_executor(), [self, ok, refusal = std::move(refusal)]() mutable {
                    if (ok) return self->read_body_piece();
                    self->interrupt_body();
                    self->keep_alive_ = false;
                    self->write(std::move(refusal));
                });
            });
        });
    }

    void finish_body() {
        auto& c = connection();
        boost::asio::post(c.server_.workers, [self = c.shared_from_this()] {
            http_response response;
            self->server_.routes.run_sink_step([&] { response = self->x_->sink->finish(); }, response);
            boost::asio::post(self->socket_.get_executor(), [self, response = std::move(response)]() mutable {
                self->x_->sink.reset();
                self->x_->streaming_parser.reset();
                self->write(std::move(response));
            });
        });
    }

    Connection& connection() { return static_cast<Connection&>(*this); }
};

}  // namespace festival::server
