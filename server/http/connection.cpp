#include "server/http/connection.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "server/http/access_log.hpp"
#include "server/http/body_streamer.hpp"
#include "server/http/connection_errors.hpp"
#include "server/http/event_stream_writer.hpp"
#include "server/http/exchange.hpp"
#include "server/http/file_sender.hpp"
#include "server/http/forwarded_for.hpp"
#include "server/http/metrics.hpp"
#include "server/http/response_head.hpp"
#include "server/http/websocket_connection.hpp"

namespace festival::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Writes a field name lower-cased over `out`, reusing its storage. Field names are ASCII tokens
// (the parser refuses others), so no locale is consulted.
void assign_lower(std::string& out, std::string_view text) {
    out.assign(text.data(), text.size());
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
}

// Every field of that name, joined with ", " as one list (RFC 9110 5.3), or nullopt when none came.
std::optional<std::string> joined_header(const http_request& request, std::string_view lower_case_name) {
    std::optional<std::string> joined;
    for (const auto& [name, value] : request.headers)
        if (name == lower_case_name) (joined ? joined->append(", ") : joined.emplace()).append(value);
    return joined;
}

}  // namespace

// The connection core: keep-alive, header reads, dispatch, plain answers, deadlines, linger and
// close. Streamed bodies, event streams and files are its collaborators' (one header each).
class connection : public std::enable_shared_from_this<connection>,
                   public body_streamer<connection>,
                   public event_stream_writer<connection>,
                   public file_sender<connection> {
    friend class body_streamer<connection>;
    friend class event_stream_writer<connection>;
    friend class file_sender<connection>;

public:
    connection(accepted_socket socket, server_context& server, event_loop& loop)
        : socket_(std::move(socket)), server_(server), loop_(loop) {
        loop_.open_connections.fetch_add(1, std::memory_order_relaxed);
        if (loop_.metrics) loop_.metrics->connections_opened.fetch_add(1, std::memory_order_relaxed);
    }
    // The last owner may be a worker thread's handler: hence atomic adds, not the loop's own store.
    ~connection() {
        loop_.open_connections.fetch_sub(1, std::memory_order_relaxed);
        if (loop_.metrics) loop_.metrics->connections_closed.fetch_add(1, std::memory_order_relaxed);
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void start() {
        beast::error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        socket_.native_non_blocking(true, ignored);  // reads and sends are tried directly
        remote_ = socket_.remote_endpoint(ignored).address().to_string();
        peer_is_trusted_proxy_ = server_.options.proxies.trusts(remote_);  // the peer is the same for every request
        asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
            self->loop_.connections.push_back(self);
            self->read_header();
        });
    }

    // Called by the loop's sweeper: the pending operation ends with operation_aborted.
    void close_if_past_deadline(deadline_clock::time_point now) {
        if (now < deadline_) return;
        deadline_ = deadline_clock::time_point::max();
        beast::error_code ignored;
        socket_.close(ignored);
    }

    // The reader asks for memory only once the socket has bytes: the loop's most recently used
    // exchange, still in the cache.
    asio::mutable_buffer read_room() {
        if (!x_) x_ = loop_.take();
        return x_->buffer.prepare(beast::read_size(x_->buffer, 64 * 1024));
    }

    void read_found_nothing() {
        if (x_ && x_->buffer.size() == 0 && !x_->parser) loop_.give_back(std::move(x_));
    }

    // The reader's completion, on this connection's loop.
    void on_read(beast::error_code ec, std::size_t n) {
        inline_answers_ = 0;
        if (!x_) return log_connection_error(ec, "read header"), close();  // no byte came: an error, or the end
        x_->buffer.commit(n);
        if (ec == asio::error::eof)
            ec = x_->buffer.size() > 0 ? http::error::partial_message : http::error::end_of_stream;
        if (ec) return on_header(ec);
        parse_header();
    }

private:
    // Between requests the connection gives its exchange back to the loop (unless the client already
    // sent the next one) and waits for bytes without holding any memory for them. Even when the server
    // is stopping: the client may already be sending, and closing under it would fail that request;
    // its answer will say `Connection: close` instead.
    void read_header() {
        expires_after(server_.options.idle_timeout);
        if (x_ && x_->buffer.size() > 0) return parse_header();  // a pipelined request: parse it now
        if (x_) loop_.give_back(std::move(x_));
        read_.start(loop_.reader, socket_, shared_from_this());
    }

    // Beast's parser takes the header once it is whole: until then each read adds to the buffer and
    // the parser is tried again.
    void parse_header() {
        if (!x_->parser) {
            x_->parser.emplace(std::piecewise_construct, std::make_tuple(),
                               std::make_tuple(header_allocator(&x_->arena)));
            x_->parser->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
            // The route's own limit is set once the header names the route; until then none applies.
            x_->parser->body_limit(std::numeric_limits<std::uint64_t>::max());
        }
        beast::error_code ec;
        x_->buffer.consume(x_->parser->put(x_->buffer.data(), ec));
        if (ec != http::error::need_more) return on_header(ec);
        read_.start(loop_.reader, socket_, shared_from_this());
    }

    void on_header(beast::error_code ec) {
        if (server_.options.access_log || loop_.metrics) x_->started = std::chrono::steady_clock::now();
        x_->match.found = nullptr;  // an answer before the route is known counts as no route's
        if (ec == http::error::header_limit) return reply_and_close(431, "header_too_large", "request header too large");
        if (ec == http::error::body_limit) return reply_and_close(413, "body_too_large", "the body is too large");
        if (ec) {
            if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted && x_->buffer.size() > 0)
                return reply_and_close(400, "bad_request", "malformed HTTP request");
            return log_connection_error(ec, "read header"), close();
        }
        const auto& header = x_->parser->get();
        // Reused from one request to the next, so their storage is too.
        x_->request.method.assign(header.method_string().data(), header.method_string().size());
        x_->request.target.assign(header.target().data(), header.target().size());
        x_->request.path.clear();
        x_->request.query.clear();
        x_->request.body.clear();
        x_->request.params.clear();
        x_->request.session.reset();
        x_->request.on_worker_pool = false;
        x_->request.remote_address = remote_;
        const auto question = x_->request.target.find('?');
        const auto raw_path = std::string_view(x_->request.target).substr(0, question);
        if (question != std::string::npos) x_->request.query = x_->request.target.substr(question + 1);
        // Most paths have nothing to decode: copied into the reused string as they are.
        if (raw_path.find('%') == std::string_view::npos) {
            x_->request.path.assign(raw_path.data(), raw_path.size());
        } else if (auto decoded = percent_decode(raw_path, false)) {
            x_->request.path = std::move(*decoded);
        } else {
            return reply_and_close(400, "bad_path", "the request path is malformed");
        }
        if (x_->request.path.empty() || x_->request.path.front() != '/')
            return reply_and_close(400, "bad_path", "the request path is malformed");
        // A NUL names no file: answer as for any path outside what is served.
        if (x_->request.path.find('\0') != std::string::npos)
            return reply_and_close(404, "not_found", "nothing at this path");
        // Header entries are overwritten in place, so their strings keep their storage too.
        std::size_t fields = 0;
        for (const auto& field : header) {
            if (fields == x_->request.headers.size()) x_->request.headers.emplace_back();
            auto& [name, value] = x_->request.headers[fields++];
            assign_lower(name, field.name_string());
            value.assign(field.value().data(), field.value().size());
        }
        x_->request.headers.resize(fields);
        // The one place the client's address and scheme are decided; from a peer not trusted (everyone, by
        // default) the forwarding headers are not even read.
        x_->request.forwarded_https = false;
        if (peer_is_trusted_proxy_) {
            auto client = resolve_client(remote_, joined_header(x_->request, "forwarded"),
                                         joined_header(x_->request, "x-forwarded-for"),
                                         joined_header(x_->request, "x-forwarded-proto"), server_.options.proxies);
            x_->request.remote_address = std::move(client.address);
            x_->request.forwarded_https = client.https;
        }
        keep_alive_ = header.keep_alive();
        http_version_ = header.version();

        server_.routes.routes().match(x_->request.method, x_->request.path, x_->match);
        const std::size_t limit = x_->match.found ? x_->match.found->body_limit : 64 * 1024;
        if (const auto length = x_->parser->content_length(); length && *length > limit)
            return reply_and_close(413, "body_too_large",
                                   "the body is larger than " + std::to_string(limit) + " bytes");
        x_->parser->body_limit(limit);
        // Beast 1.81 keeps a chunk-size line or a trailer section in the read buffer until it ends,
        // checking neither the header nor the body limit: without a cap on the buffer, an endless
        // chunk extension grows it without bound. Body bytes leave the buffer as they are parsed, so
        // it only ever needs one read's worth plus a line or a trailer section.
        x_->buffer.max_size(std::max(x_->buffer.size(), exchange::body_read_room) + server_.options.header_limit);
        if (x_->match.found && x_->match.found->open_sink) return open_body_sink();
        if (x_->parser->is_done()) return on_body({});
        expires_after(server_.options.read_timeout);
        http::async_read(socket_, x_->buffer, *x_->parser,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
    }

    void on_body(beast::error_code ec) {
        if (ec && refuse_body(ec)) return;
        if (ec) return log_connection_error(ec, "read body"), close();
        x_->request.body = x_->parser->release().body();
        if (!x_->match.found) return write(server_.routes.unmatched(x_->match, x_->request));
        x_->in_flight.emplace(loop_.requests_in_flight);
        switch (x_->match.found->where) {
            case runs_on::io_thread: {
                auto response = server_.routes.run(x_->match, x_->request);
                if (!response.to_worker_pool || x_->request.on_worker_pool) return write(std::move(response));
                x_->request.on_worker_pool = true;
                std::swap(x_->request.params, x_->match.params);  // as before the first run, which took them
                return run_on(server_.workers, nullptr);
            }
            case runs_on::worker_pool: return run_on(server_.workers, nullptr);
            case runs_on::password_pool: return run_on_password_pool();
        }
    }

    // `pending`, when given, counts the request until its handler has run.
    void run_on(asio::thread_pool& pool, std::atomic<std::size_t>* pending) {
        expires_never();
        asio::post(pool, [self = shared_from_this(), pending] {
            auto response = self->server_.routes.run(self->x_->match, self->x_->request);
            if (pending) --*pending;
            asio::post(self->socket_.get_executor(),
                       [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
        });
    }

    // A bounded number of requests wait for the password pool; the others are told to come back
    // rather than queue without end (each will hold 64 MiB while it hashes).
    void run_on_password_pool() {
        auto& pending = server_.password_requests;
        if (pending.fetch_add(1) >= server_.options.password_queue_limit) {
            --pending;
            auto busy = error_response(503, "sign_in_busy", "too many sign-ins at once: try again in a moment");
            busy.set_header("Retry-After", "2");
            return write(std::move(busy));
        }
        run_on(server_.password_workers, &pending);
    }

    void reply_and_close(int status, const char* code, const std::string& message) {
        if (x_->request.method.empty()) x_->request.method = "-";
        keep_alive_ = false;
        linger_ = true;
        write(error_response(status, code, message));
    }

    void write(http_response response) {
        if (response.websocket) {
            if (is_websocket_upgrade(x_->request, http_version_)) return hand_over_to_websocket(std::move(response));
            response = error_response(426, "upgrade_required", "this address answers WebSocket upgrades only");
            response.set_header("Upgrade", "websocket");
        }
        if (response.close_connection || server_.stopping) keep_alive_ = false;
        const bool head_only = x_->request.method == "HEAD";
        x_->status = response.status;
        x_->file.reset();
        if (response.file) {
            const std::uint64_t length = response.file->length;
            format_head(x_->head, response, length, keep_alive_, server_.options.every_answer_lines);
            x_->body_bytes = head_only ? 0 : length;
            if (!head_only && length > 0) x_->file = std::move(response.file);
            x_->body.clear();
        } else {
            // An event stream has no length: it ends with the connection, which is never reused.
            const bool streaming = response.events && !head_only;
            if (streaming) keep_alive_ = false;
            format_head(x_->head, response,
                        streaming ? std::nullopt : std::optional<std::uint64_t>(response.body.size()), keep_alive_,
                        server_.options.every_answer_lines);
            x_->body = head_only ? std::string() : std::move(response.body);
            x_->body_bytes = x_->body.size();
        }
        expires_after(server_.options.read_timeout);
        if (x_->file) return send_head_then_file();
        if (response.events && !head_only) return start_event_stream(std::move(response.events));
        send_head_and_body();
    }

    // The socket, the request and any bytes the client sent after it go to a WebSocket connection;
    // this one ends here.
    void hand_over_to_websocket(http_response response) {
        websocket_upgrade upgrade{accepted_socket(std::move(static_cast<accepted_socket&>(socket_))),
                                  std::move(x_->request),
                                  http_version_,
                                  beast::buffers_to_string(x_->buffer.data()),
                                  std::move(response),
                                  x_->match.found,
                                  x_->started};
        expires_never();
        x_->in_flight.reset();
        loop_.give_back(std::move(x_));
        serve_websocket(std::move(upgrade), server_, loop_);
    }

    // Most answers fit in the socket's buffer: they go out now, in one sendmsg, and the loop waits
    // for the socket only when it is full.
    void send_head_and_body() {
        iovec parts[2] = {{x_->head.data(), x_->head.size()}, {x_->body.data(), x_->body.size()}};
        msghdr message{};
        message.msg_iov = parts;
        message.msg_iovlen = x_->body.empty() ? 1 : 2;
        const ssize_t sent = ::sendmsg(socket_.native_handle(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return on_written(beast::error_code(errno, beast::system_category()));
        const std::size_t done = sent > 0 ? static_cast<std::size_t>(sent) : 0;
        if (done == x_->head.size() + x_->body.size()) return answer_sent();
        if (done >= x_->head.size()) {
            x_->body.erase(0, done - x_->head.size());
            x_->head.clear();
        } else {
            x_->head.erase(0, done);
        }
        const std::array<asio::const_buffer, 2> rest{asio::buffer(x_->head), asio::buffer(x_->body)};
        asio::async_write(socket_, rest, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_written(ec);
        });
    }

    // A client that pipelines many requests is answered from the loop now and then, not by ever
    // deeper calls.
    void answer_sent() {
        if (++inline_answers_ < 16) return on_written({});
        inline_answers_ = 0;
        asio::post(socket_.get_executor(), [self = shared_from_this()] { self->on_written({}); });
    }

    void on_written(beast::error_code ec) {
        if (server_.options.access_log) write_access_line(x_->request, x_->status, x_->body_bytes, x_->started);
        if (loop_.metrics)
            loop_.metrics->count_request(x_->match.found, x_->status, x_->body_bytes,
                                         std::chrono::steady_clock::now() - x_->started);
        x_->file.reset();
        x_->in_flight.reset();
        if (ec) return log_connection_error(ec, "write"), close();
        if (!keep_alive_) return close();
        // The exchange is done with this request: its parser, answer and file go, its storage stays.
        x_->finish_request();
        read_header();
    }

    // The sweeper of this connection's loop closes it once the deadline has passed.
    void expires_after(std::chrono::seconds timeout) { deadline_ = coarse_now() + timeout; }
    void expires_never() { deadline_ = deadline_clock::time_point::max(); }

    void close() {
        if (x_) x_->in_flight.reset();
        beast::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_send, ignored);
        if (linger_) return drain_then_close();
        socket_.close(ignored);
    }

    // After an early error answer the client may still be sending the request we refused; closing
    // with unread bytes would reset the connection and lose our answer, so read and drop them first.
    void drain_then_close() {
        linger_ = false;
        expires_after(std::chrono::seconds(2));
        drain_buffer_ = std::make_unique<char[]>(16 * 1024);
        drain_some(0);
    }

    void drain_some(std::size_t drained) {
        socket_.async_read_some(asio::buffer(drain_buffer_.get(), 16 * 1024),
                                [self = shared_from_this(), drained](beast::error_code ec, std::size_t n) {
                                    if (ec || drained + n > 4 * 1024 * 1024) {
                                        beast::error_code ignored;
                                        return self->socket_.close(ignored), void();
                                    }
                                    self->drain_some(drained + n);
                                });
    }

    reader_socket socket_;
    socket_reader<connection> read_;
    server_context& server_;
    event_loop& loop_;
    deadline_clock::time_point deadline_ = deadline_clock::time_point::max();
    std::unique_ptr<exchange> x_;  // while a request is under way
    std::string remote_;
    bool peer_is_trusted_proxy_ = false;
    int inline_answers_ = 0;  // answers sent in a row without waiting for the socket
    bool keep_alive_ = true;
    unsigned http_version_ = 11;  // the request's, for a WebSocket upgrade
    bool linger_ = false;
    std::unique_ptr<char[]> drain_buffer_;
};

void serve_connection(accepted_socket socket, server_context& server, event_loop& loop) {
    std::make_shared<connection>(std::move(socket), server, loop)->start();
}

event_loop::event_loop() : reader(context), sweeper(context) {}

event_loop::~event_loop() = default;

std::unique_ptr<exchange> event_loop::take() {
    if (spare_exchanges.empty()) return std::make_unique<exchange>();
    auto x = std::move(spare_exchanges.back());
    spare_exchanges.pop_back();
    return x;
}

void event_loop::give_back(std::unique_ptr<exchange> x) {
    x->finish_request();
    // An upload's 64 KB read buffer is not kept for the requests that follow.
    if (x->buffer.capacity() > 16 * 1024) x->buffer = beast::flat_buffer();
    if (spare_exchanges.size() < 1024) spare_exchanges.push_back(std::move(x));
}

void event_loop::sweep() {
    const auto now = deadline_clock::now();
    std::erase_if(connections, [now](const std::weak_ptr<connection>& weak) {
        const auto alive = weak.lock();
        if (alive) alive->close_if_past_deadline(now);
        return !alive;
    });
    sweep_websockets(now);
    sweeper.expires_after(std::chrono::seconds(1));
    sweeper.async_wait([this](beast::error_code ec) {
        if (!ec) sweep();
    });
}

}  // namespace festival::server
