#include "server/http/websocket_connection.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffered_read_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "server/http/access_log.hpp"
#include "server/http/connection_errors.hpp"
#include "server/http/metrics.hpp"
#include "transcoder/process/log_event.hpp"

namespace festival::server {
using buffered_socket = boost::beast::buffered_read_stream<accepted_socket, boost::beast::flat_buffer>;
}  // namespace festival::server

// Closing the stream closes the socket under its read buffer (found by Beast through ADL): the
// buffer only holds bytes that came with the upgrade request.
namespace boost::beast {
template <class Handler>
void async_teardown(role_type role, festival::server::buffered_socket& stream, Handler&& handler) {
    websocket::async_teardown(role, stream.next_layer(), std::forward<Handler>(handler));
}
inline void teardown(role_type role, festival::server::buffered_socket& stream, error_code& ec) {
    websocket::teardown(role, stream.next_layer(), ec);
}
}  // namespace boost::beast

namespace festival::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// How long a closing handshake may take before the socket is simply closed: a client that stopped
// reading never lets the close frame through.
constexpr std::chrono::seconds closing_grace{5};

http::request<http::empty_body> beast_request(const http_request& request, unsigned http_version) {
    http::request<http::empty_body> made;
    made.method_string(request.method);
    made.target(request.target);
    made.version(http_version);
    for (const auto& [name, value] : request.headers) made.insert(name, value);
    return made;
}

// "Name: value\r\n" lines (the server's every-answer lines) as pairs, for Beast's response.
void add_header_lines(std::vector<std::pair<std::string, std::string>>& out, std::string_view lines) {
    while (!lines.empty()) {
        const auto end = lines.find("\r\n");
        const auto line = lines.substr(0, end);
        lines = end == std::string_view::npos ? std::string_view() : lines.substr(end + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        out.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
}

}  // namespace

class websocket_connection;

// The peer the session holds. Any thread may send: messages wait in `pending_` under a mutex and the
// connection's loop takes them all at once, so a burst costs one wake-up of the loop, not one per
// message (and a broadcast one per loop: event_loop::wake_websocket). It holds the connection weakly,
// so a session that keeps its peer keeps no connection alive.
class connection_peer final : public websocket_peer {
public:
    connection_peer(std::weak_ptr<websocket_connection> connection, event_loop& loop, std::size_t max_queued_bytes)
        : connection_(std::move(connection)),
          executor_(loop.context.get_executor()),
          loop_(loop),
          max_queued_bytes_(max_queued_bytes) {}

    void send(std::shared_ptr<const std::string> text) override;
    void close(std::uint16_t code, std::string_view reason) override;

    // The connection's side, on its loop. Moves what is pending into `batch` (empty): false, and the
    // writer idle, when nothing is.
    bool take(std::vector<std::shared_ptr<const std::string>>& batch) {
        std::lock_guard lock(mutex_);
        if (pending_.empty()) {
            writer_active_ = false;
            return false;
        }
        batch.swap(pending_);
        return true;
    }
    void written(std::size_t bytes) {
        std::lock_guard lock(mutex_);
        queued_bytes_ -= std::min(queued_bytes_, bytes);
    }
    // No more messages are accepted; with `drop`, those waiting are let go.
    void stop_sending(bool drop) {
        std::lock_guard lock(mutex_);
        closed_ = true;
        if (drop) pending_.clear(), queued_bytes_ = 0;
    }

private:
    template <typename Action>
    void on_connection(Action action);

    std::mutex mutex_;
    std::vector<std::shared_ptr<const std::string>> pending_;
    std::size_t queued_bytes_ = 0;  // pending or being written
    bool writer_active_ = false;    // the connection will take what is pending without being told
    bool closed_ = false;
    const std::weak_ptr<websocket_connection> connection_;
    const accepted_socket::executor_type executor_;
    event_loop& loop_;  // outlives its connections and the handlers posted to it
    const std::size_t max_queued_bytes_;
};

// One WebSocket on one loop; everything but the peer's queue is touched by that loop's thread only.
class websocket_connection : public std::enable_shared_from_this<websocket_connection> {
public:
    websocket_connection(websocket_upgrade upgrade, server_context& server, event_loop& loop)
        : ws_(std::move(upgrade.socket)),
          request_(std::move(upgrade.request)),
          http_version_(upgrade.http_version),
          session_(std::move(upgrade.response.websocket)),
          settings_(upgrade.response.websocket_settings),
          matched_(upgrade.matched),
          started_(upgrade.started),
          server_(server),
          loop_(loop) {
        loop_.open_connections.fetch_add(1, std::memory_order_relaxed);
        loop_.open_websockets.fetch_add(1, std::memory_order_relaxed);
        header_lines_ = std::move(upgrade.response.headers);
        add_header_lines(header_lines_, server_.options.every_answer_lines);
        if (!upgrade.buffered.empty()) {
            auto& early = ws_.next_layer().buffer();
            early.commit(asio::buffer_copy(early.prepare(upgrade.buffered.size()), asio::buffer(upgrade.buffered)));
        }
    }
    // The last owner may be a posted handler on another thread, or the loop's end.
    ~websocket_connection() {
        notify_close();
        loop_.open_websockets.fetch_sub(1, std::memory_order_relaxed);
        loop_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    }
    websocket_connection(const websocket_connection&) = delete;
    websocket_connection& operator=(const websocket_connection&) = delete;

    void start() {
        loop_.websockets.push_back(weak_from_this());
        peer_ = std::make_shared<connection_peer>(weak_from_this(), loop_, settings_.max_queued_bytes);
        // Keep-alive pings after half the idle timeout; a client silent for all of it is dropped.
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = std::min<std::chrono::steady_clock::duration>(closing_grace, settings_.idle_timeout);
        timeouts.idle_timeout = settings_.idle_timeout;
        timeouts.keep_alive_pings = true;
        ws_.set_option(timeouts);
        // permessage-deflate stays off: room messages are short JSON that compresses little, and
        // deflating a broadcast costs CPU per receiving connection (each has its own window), which
        // is what limits a fan-out to thousands.
        websocket::permessage_deflate no_deflate;
        no_deflate.server_enable = false;
        ws_.set_option(no_deflate);
        ws_.read_message_max(settings_.max_message_bytes);
        ws_.auto_fragment(false);  // a message goes out as one frame, straight from the shared string
        ws_.set_option(websocket::stream_base::decorator([this](websocket::response_type& answer) {
            answer.set(http::field::server, "festival");
            for (const auto& [name, value] : header_lines_) answer.set(name, value);
            handshake_status_ = answer.result_int();
        }));
        ws_.async_accept(beast_request(request_, http_version_),
                         [self = shared_from_this()](beast::error_code ec) { self->on_accepted(ec); });
    }

    // The peer's requests, on the loop.
    void start_writing() {
        if (!writing_ && !ended_) write_next();
    }
    void close_after_writes(std::uint16_t code, std::string_view reason, bool drop) {
        if (ended_ || close_code_) return;
        close_code_ = code;
        close_reason_.assign(reason.substr(0, 123));  // what a close frame holds
        dropping_ = drop;
        deadline_ = coarse_now() + closing_grace;
        if (!writing_) close_now();
    }

    // The loop's: the server is stopping.
    void going_away(std::uint16_t code) {
        if (!opened_) return;  // closed as soon as its handshake is done
        peer_->stop_sending(false);
        close_after_writes(code, code == websocket::close_code::service_restart ? "server restarting" : "server stopping",
                           false);
    }

    void close_if_past_deadline(deadline_clock::time_point now) {
        if (now < deadline_) return;
        deadline_ = deadline_clock::time_point::max();
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).close(ignored);  // pending operations end with operation_aborted
    }

private:
    void on_accepted(beast::error_code ec) {
        const int status = ec ? (handshake_status_ == 101 ? 400 : handshake_status_) : 101;
        if (server_.options.access_log) write_access_line(request_, status, 0, started_);
        if (loop_.metrics)
            loop_.metrics->count_request(matched_, status, 0, std::chrono::steady_clock::now() - started_);
        if (ec) {  // Beast has answered 400 or 426 (the access log has it)
            ended_ = true;
            beast::error_code ignored;
            beast::get_lowest_layer(ws_).close(ignored);
            return;
        }
        opened_ = true;
        if (!call_session([&] { session_->on_open(peer_); })) return;
        if (server_.stopping) going_away(websocket::close_code::going_away);
        read_next();
    }

    void read_next() {
        reading_ = true;
        ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        reading_ = false;
        if (ec) return finish(ec);
        if (!ws_.got_text()) {
            // Beast's close reads the client's answer itself: no read is started again.
            peer_->stop_sending(true);
            return close_after_writes(websocket::close_code::unknown_data, "text messages only", true);
        }
        const auto data = read_buffer_.cdata();
        const std::string_view text(static_cast<const char*>(data.data()), data.size());
        if (!call_session([&] { session_->on_message(text); })) return;
        read_buffer_.consume(read_buffer_.size());
        read_next();
    }

    // A session that throws ends its connection (1011) rather than the server.
    template <typename Call>
    bool call_session(Call&& call) {
        try {
            call();
            return true;
        } catch (const std::exception& e) {
            log_event("websocket_session_error", {{"path", path_for_log(request_.path)}, {"message", e.what()}});
        }
        peer_->stop_sending(true);
        close_after_writes(websocket::close_code::internal_error, "internal error", true);
        return false;
    }

    void write_next() {
        if (next_ == batch_.size()) {
            batch_.clear();
            next_ = 0;
            if (dropping_ || !peer_->take(batch_)) {
                writing_ = false;
                if (close_code_) close_now();
                return;
            }
        }
        writing_ = true;
        ws_.async_write(asio::buffer(*batch_[next_]),
                        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
    }

    void on_written(beast::error_code ec) {
        peer_->written(batch_[next_]->size());
        batch_[next_++].reset();
        if (ec || ended_) {
            // The read side sees the same end and finishes the connection.
            writing_ = false;
            batch_.clear();
            next_ = 0;
            return;
        }
        if (dropping_) batch_.clear(), next_ = 0;
        write_next();
    }

    void close_now() {
        if (closing_ || ended_) return;
        closing_ = true;
        ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(*close_code_), close_reason_),
                        [self = shared_from_this()](beast::error_code ec) {
                            // Without a read under way (a binary message), nothing else ends the connection.
                            if (!self->reading_) self->finish(ec);
                        });
    }

    void finish(beast::error_code ec) {
        if (ended_) return;
        ended_ = true;
        // A close, a silent client, or a client breaking the protocol (Beast has closed with the code) are
        // ordinary ends; only the socket's own errors are worth a line.
        if (ec && ec.category() != websocket::make_error_code(websocket::error::closed).category() &&
            ec != beast::error::timeout)
            log_connection_error(ec, "websocket");
        peer_->stop_sending(true);
        deadline_ = deadline_clock::time_point::max();
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).close(ignored);
        notify_close();
    }

    void notify_close() {
        if (!opened_ || close_notified_) return;
        close_notified_ = true;
        peer_->stop_sending(true);  // from here on, its calls do nothing
        try {
            session_->on_close();
        } catch (const std::exception& e) {
            log_event("websocket_session_error", {{"path", path_for_log(request_.path)}, {"message", e.what()}});
        }
    }

    websocket::stream<buffered_socket> ws_;
    http_request request_;
    unsigned http_version_;
    std::shared_ptr<websocket_session> session_;
    websocket_options settings_;
    const route* matched_;
    std::chrono::steady_clock::time_point started_;
    server_context& server_;
    event_loop& loop_;
    std::shared_ptr<connection_peer> peer_;
    std::vector<std::pair<std::string, std::string>> header_lines_;  // on the 101
    int handshake_status_ = 0;
    beast::flat_buffer read_buffer_;
    std::vector<std::shared_ptr<const std::string>> batch_;  // taken from the peer, written in order
    std::size_t next_ = 0;
    std::optional<std::uint16_t> close_code_;  // a close was asked for: sent once the writes are done
    std::string close_reason_;
    deadline_clock::time_point deadline_ = deadline_clock::time_point::max();  // while closing
    bool opened_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool dropping_ = false;
    bool closing_ = false;
    bool ended_ = false;
    bool close_notified_ = false;
};

template <typename Action>
void connection_peer::on_connection(Action action) {
    // Already on the connection's thread (a session answering, or a broadcast from a neighbour on the
    // same loop): no post.
    if (executor_.running_in_this_thread()) {
        if (const auto connection = connection_.lock()) action(*connection);
        return;
    }
    asio::post(executor_, [weak = connection_, action = std::move(action)]() mutable {
        if (const auto connection = weak.lock()) action(*connection);
    });
}

void connection_peer::send(std::shared_ptr<const std::string> text) {
    if (!text) return;
    std::unique_lock lock(mutex_);
    if (closed_) return;
    queued_bytes_ += text->size();
    if (queued_bytes_ > max_queued_bytes_) {
        // A client that stopped reading: what waits for it is let go, and so is it.
        closed_ = true;
        pending_.clear();
        queued_bytes_ = 0;
        lock.unlock();
        return on_connection([](websocket_connection& c) {
            c.close_after_writes(websocket::close_code::policy_error, "too slow", true);
        });
    }
    pending_.push_back(std::move(text));
    if (writer_active_) return;
    writer_active_ = true;
    lock.unlock();
    // Never written inline, even from the connection's own loop: the sender may hold a room's lock,
    // and a broadcast's writes go out together once it is released.
    loop_.wake_websocket(connection_);
}

void connection_peer::close(std::uint16_t code, std::string_view reason) {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
    }
    on_connection([code, reason = std::string(reason)](websocket_connection& c) {
        c.close_after_writes(code, reason, false);
    });
}

bool is_websocket_upgrade(const http_request& request, unsigned http_version) {
    return websocket::is_upgrade(beast_request(request, http_version));
}

void serve_websocket(websocket_upgrade upgrade, server_context& server, event_loop& loop) {
    std::make_shared<websocket_connection>(std::move(upgrade), server, loop)->start();
}

void event_loop::wake_websocket(std::weak_ptr<websocket_connection> ready) {
    {
        std::lock_guard lock(ready_websockets_mutex);
        ready_websockets.push_back(std::move(ready));
        if (ready_websockets_posted) return;
        ready_websockets_posted = true;
    }
    asio::post(context, [this] {
        std::vector<std::weak_ptr<websocket_connection>> woken;
        {
            std::lock_guard lock(ready_websockets_mutex);
            woken.swap(ready_websockets);
            ready_websockets_posted = false;
        }
        for (const auto& weak : woken)
            if (const auto connection = weak.lock()) connection->start_writing();
    });
}

void event_loop::sweep_websockets(deadline_clock::time_point now) {
    std::erase_if(websockets, [now](const std::weak_ptr<websocket_connection>& weak) {
        const auto alive = weak.lock();
        if (alive) alive->close_if_past_deadline(now);
        return !alive;
    });
}

void event_loop::close_websockets(std::uint16_t code) {
    for (const auto& weak : websockets)
        if (const auto alive = weak.lock()) alive->going_away(code);
}

}  // namespace festival::server
