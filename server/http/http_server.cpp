#include "server/http/http_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <limits>
#include <cstdio>
#include <ctime>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/http/access_log.hpp"
#include "server/api/dispatcher.hpp"
#include "server/http/http_date.hpp"
#include "server/http/socket_reader.hpp"

namespace festival::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
// Sockets bound to their loop's own executor type: no type-erased executor on every operation.
using socket_type = accepted_socket;
using deadline_clock = std::chrono::steady_clock;
using header_allocator = std::pmr::polymorphic_allocator<char>;

namespace {

void fail(beast::error_code ec, const char* what) {
    if (ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::broken_pipe || ec == http::error::end_of_stream ||
        ec == http::error::partial_message)
        return;
    std::fprintf(stderr, "{\"event\":\"connection_error\",\"what\":\"%s\",\"message\":\"%s\"}\n", what,
                 ec.message().c_str());
}

// A body the client framed wrongly (a bad chunk size, a bad trailer …), as opposed to a client that
// went away or stalled mid-body: the former deserves a 400 before the connection closes.
bool is_malformed_body(beast::error_code ec) {
    if (ec.category() != beast::http::make_error_code(http::error::bad_chunk).category()) return false;
    return ec != http::error::end_of_stream && ec != http::error::partial_message && ec != http::error::short_read &&
           ec != http::error::need_more && ec != http::error::need_buffer;
}

// The status line and header block, written over `head` (whose storage is reused); the body
// (string or file) follows it.
void format_head(std::string& head, const http_response& response, std::optional<std::uint64_t> content_length,
                 bool keep_alive) {
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

// Writes a field name lower-cased over `out`, reusing its storage. Field names are ASCII tokens
// (the parser refuses others), so no locale is consulted.
void assign_lower(std::string& out, std::string_view text) {
    out.assign(text.data(), text.size());
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
}

class connection;

// Counts a request from dispatch until its response is written, so shutdown waits for it.
class in_flight_request {
public:
    explicit in_flight_request(std::atomic<int>& counter) : counter_(counter) { ++counter_; }
    in_flight_request(const in_flight_request&) = delete;
    in_flight_request& operator=(const in_flight_request&) = delete;
    ~in_flight_request() { --counter_; }

private:
    std::atomic<int>& counter_;
};

// One request and its answer: the read buffer, the parser and the arena of its header fields, the
// request, the answer being sent. A connection holds one only while a request is under way; between
// requests it goes back to its loop, which hands out the one returned last: what a request touches
// is then memory the loop used a moment ago, still in the cache, however many connections wait
// (nginx frees its request pool and header buffer between keep-alive requests for the same reason).
struct exchange {
    beast::flat_buffer buffer;
    // A typical header's fields fit in the first kilobyte: parsing them costs no malloc.
    std::array<std::byte, 1024> arena_storage;
    std::pmr::monotonic_buffer_resource arena{arena_storage.data(), arena_storage.size()};
    std::optional<http::request_parser<http::string_body, header_allocator>> parser;
    http_request request;  // its strings keep their storage from one request to the next
    route_match match;
    std::string head;
    std::string body;
    std::optional<file_range> file;
    std::uint64_t body_bytes = 0;
    int status = 0;
    std::chrono::steady_clock::time_point started;
    std::optional<in_flight_request> in_flight;
    // What a body read may keep in the buffer beyond a chunk-size line or trailer section: one read.
    static constexpr std::size_t body_read_room = 64 * 1024;
    // Uploads: the body goes to a sink piece by piece.
    static constexpr std::size_t piece_size = 256 * 1024;
    std::unique_ptr<body_sink> sink;
    std::optional<http::request_parser<http::buffer_body, header_allocator>> streaming_parser;
    std::unique_ptr<char[]> piece_buffer;
    // Event streams.
    std::shared_ptr<event_stream> events;
    std::optional<asio::steady_timer> event_timer;
    int quiet_polls = 0;

    // Lets go of what belongs to the request just answered; keeps the storage of the rest.
    void finish_request() {
        buffer.max_size(std::numeric_limits<std::size_t>::max());  // a request's cap ends with it
        streaming_parser.reset();
        parser.reset();
        arena.release();  // after the parsers, whose fields it held
        file.reset();
        in_flight.reset();
        sink.reset();
        piece_buffer.reset();
        events.reset();
        event_timer.reset();
        quiet_polls = 0;
        request.session.reset();
        if (request.body.capacity() > 64 * 1024) std::string().swap(request.body);
        if (body.capacity() > 64 * 1024) std::string().swap(body);
    }
};

// The steady clock's own timeline (CLOCK_MONOTONIC) as of the kernel's last tick, a few ms old:
// deadlines need no better, and it costs a fraction of a precise read on every request.
deadline_clock::time_point coarse_now() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return deadline_clock::time_point(std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec));
}

// Timeouts without a timer per operation: each connection keeps a deadline, and once a second each
// loop closes those of its connections that are past theirs (as nginx does with its timer tree).
struct event_loop {
    event_loop() : reader(context), sweeper(context) {}
    asio::io_context context{1};  // run by one thread: Asio's one-thread fast paths apply
    asio::executor_work_guard<asio::io_context::executor_type> keep_running = asio::make_work_guard(context);
    reader_loop_state reader;  // what connections' reads share (socket_reader.hpp)
    asio::steady_timer sweeper;
    std::vector<std::weak_ptr<connection>> connections;  // touched on this loop's thread only
    // Requests between dispatch and their answer's last byte; a counter per loop, on its own cache
    // line, so that counting costs no traffic between cores. Read by shutdown.
    alignas(64) std::atomic<int> requests_in_flight{0};
    std::vector<std::unique_ptr<exchange>> spare_exchanges;  // last returned, first taken

    std::unique_ptr<exchange> take() {
        if (spare_exchanges.empty()) return std::make_unique<exchange>();
        auto x = std::move(spare_exchanges.back());
        spare_exchanges.pop_back();
        return x;
    }
    void give_back(std::unique_ptr<exchange> x) {
        x->finish_request();
        // An upload's 64 KB read buffer is not kept for the requests that follow.
        if (x->buffer.capacity() > 16 * 1024) x->buffer = beast::flat_buffer();
        if (spare_exchanges.size() < 1024) spare_exchanges.push_back(std::move(x));
    }
    void sweep();
};

}  // namespace

struct http_server::impl {
    server_options options;
    const dispatcher& routes;
    // One event loop per I/O thread, like one worker process each: a connection lives on one loop and
    // is never touched by two threads, so no strand is needed. The first loop, run by the thread that
    // calls run(), also runs the acceptor and the signals. Declared before what uses their contexts.
    std::vector<std::unique_ptr<event_loop>> loops;
    asio::io_context& io;  // the first loop's
    std::size_t next_loop = 0;
    asio::thread_pool workers;
    asio::thread_pool password_workers;
    std::atomic<std::size_t> password_requests{0};  // queued or running on password_workers
    tcp::acceptor acceptor;
    asio::signal_set signals;
    asio::steady_timer drain_timer;
    std::atomic<bool> stopping{false};
    std::mutex log_mutex;

    impl(server_options o, const dispatcher& d)
        : options(std::move(o)),
          routes(d),
          loops(make_loops(options.io_threads)),
          io(loops.front()->context),
          workers(static_cast<std::size_t>(options.worker_threads)),
          password_workers(static_cast<std::size_t>(std::max(options.password_threads, 1))),
          acceptor(io),
          signals(io, SIGINT, SIGTERM),
          drain_timer(io) {
        const tcp::endpoint endpoint(asio::ip::make_address(options.address), options.port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
    }

    static std::vector<std::unique_ptr<event_loop>> make_loops(int count) {
        std::vector<std::unique_ptr<event_loop>> made;
        for (int i = 0; i < std::max(count, 1); ++i) made.push_back(std::make_unique<event_loop>());
        return made;
    }

    // Spreads new connections over the loops in turn.
    event_loop& loop_for_next_connection() { return *loops[next_loop++ % loops.size()]; }

    void stop_loops() {
        for (auto& loop : loops) loop->context.stop();
    }

    void log_request(const http_request& request, int status, std::uint64_t bytes,
                     std::chrono::steady_clock::time_point started) {
        if (!options.access_log) return;
        const auto micros =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
        const auto now = std::time(nullptr);
        char when[32];
        std::tm tm{};
        gmtime_r(&now, &tm);
        std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        const auto path =
            nlohmann::json(path_for_log(request.path)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        const auto remote = address_for_log(request.remote_address);
        std::lock_guard lock(log_mutex);
        std::fprintf(stdout,
                     "{\"ts\":\"%s\",\"remote\":\"%s\",\"method\":\"%s\",\"path\":%s,\"status\":%d,"
                     "\"bytes\":%llu,\"us\":%lld}\n",
                     when, remote.c_str(), request.method.c_str(), path.c_str(), status,
                     static_cast<unsigned long long>(bytes), static_cast<long long>(micros));
        std::fflush(stdout);
    }

    int requests_in_flight() const {
        int sum = 0;
        for (const auto& loop : loops) sum += loop->requests_in_flight.load();
        return sum;
    }

    void accept();
    void begin_shutdown();
    void wait_for_drain();
};

namespace {

class connection : public std::enable_shared_from_this<connection> {
public:
    connection(socket_type socket, http_server::impl& server, event_loop& loop)
        : socket_(std::move(socket)), server_(server), loop_(loop) {}

    void start() {
        beast::error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        socket_.native_non_blocking(true, ignored);  // reads and sends are tried directly
        remote_ = socket_.remote_endpoint(ignored).address().to_string();
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

private:
    // Between requests the connection gives its exchange back to the loop (unless the client already
    // sent the next one) and waits for bytes without holding any memory for them.
    void read_header() {
        if (server_.stopping) return close();
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

public:
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
        if (!x_) return fail(ec, "read header"), close();  // no byte came: an error, or the end
        x_->buffer.commit(n);
        if (ec == asio::error::eof)
            ec = x_->buffer.size() > 0 ? http::error::partial_message : http::error::end_of_stream;
        if (ec) return on_header(ec);
        parse_header();
    }

private:
    void on_header(beast::error_code ec) {
        if (server_.options.access_log) x_->started = std::chrono::steady_clock::now();
        if (ec == http::error::header_limit) return reply_and_close(431, "header_too_large", "request header too large");
        if (ec == http::error::body_limit) return reply_and_close(413, "body_too_large", "the body is too large");
        if (ec) {
            if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted && x_->buffer.size() > 0)
                return reply_and_close(400, "bad_request", "malformed HTTP request");
            return fail(ec, "read header"), close();
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
        keep_alive_ = header.keep_alive();

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
        if (ec) return fail(ec, "read body"), close();
        x_->request.body = x_->parser->release().body();
        if (!x_->match.found) return write(dispatcher::unmatched(x_->match, x_->request));
        x_->in_flight.emplace(loop_.requests_in_flight);
        switch (x_->match.found->where) {
            case runs_on::io_thread: return write(server_.routes.run(x_->match, x_->request));
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

    // Streaming routes (uploads): access is checked and the sink opened on the worker pool before a
    // single body byte is read; then each piece read is handed to the sink there, one at a time.
    void open_body_sink() {
        x_->in_flight.emplace(loop_.requests_in_flight);
        expires_never();
        asio::post(server_.workers, [self = shared_from_this()] {
            http_response refusal;
            auto sink = self->server_.routes.open_sink(self->x_->match, self->x_->request, refusal);
            asio::post(self->socket_.get_executor(), [self, sink = std::move(sink), refusal = std::move(refusal)]() mutable {
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

    void read_body_piece() {
        auto& parser = *x_->streaming_parser;
        if (parser.is_done()) return finish_body();
        if (!x_->piece_buffer) x_->piece_buffer = std::make_unique<char[]>(exchange::piece_size);
        // Beast reads at most the read buffer's free capacity (64 KB at most): left at the size the
        // header needed, each read would bring about a kilobyte, and each kilobyte a trip to the sink.
        x_->buffer.reserve(exchange::body_read_room);
        parser.get().body().data = x_->piece_buffer.get();
        parser.get().body().size = exchange::piece_size;
        expires_after(server_.options.read_timeout);
        http::async_read_some(socket_, x_->buffer, parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec == http::error::need_buffer) ec = {};
            if (ec && self->refuse_body(ec)) return;
            if (ec) return fail(ec, "read body piece"), self->interrupt_body(), self->close();
            const std::size_t got = exchange::piece_size - self->x_->streaming_parser->get().body().size;
            if (got == 0) return self->read_body_piece();
            self->expires_never();
            asio::post(self->server_.workers, [self, got] {
                http_response refusal;
                const bool ok = dispatcher::run_sink_step(
                    [&] { self->x_->sink->write(std::string_view(self->x_->piece_buffer.get(), got)); }, refusal);
                asio::post(self->socket_.get_executor(), [self, ok, refusal = std::move(refusal)]() mutable {
                    if (ok) return self->read_body_piece();
                    self->interrupt_body();
                    self->keep_alive_ = false;
                    self->write(std::move(refusal));
                });
            });
        });
    }

    void finish_body() {
        asio::post(server_.workers, [self = shared_from_this()] {
            http_response response;
            dispatcher::run_sink_step([&] { response = self->x_->sink->finish(); }, response);
            asio::post(self->socket_.get_executor(), [self, response = std::move(response)]() mutable {
                self->x_->sink.reset();
                self->x_->streaming_parser.reset();
                self->write(std::move(response));
            });
        });
    }

    // Keeps what arrived for a resume; runs on the worker pool, the sink dies with the request.
    void interrupt_body() {
        if (!x_->sink) return;
        asio::post(server_.workers, [sink = std::shared_ptr<body_sink>(std::move(x_->sink))] { sink->interrupted(); });
        x_->streaming_parser.reset();
    }

    // Answers a body the server will not take (too large, or framed wrongly) and closes; false for
    // errors that leave nobody to answer (the client went away, the read timed out).
    bool refuse_body(beast::error_code ec) {
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
        reply_and_close(status, code, message);
        return true;
    }

    void reply_and_close(int status, const char* code, const std::string& message) {
        if (x_->request.method.empty()) x_->request.method = "-";
        keep_alive_ = false;
        linger_ = true;
        write(error_response(status, code, message));
    }

    void write(http_response response) {
        if (response.close_connection || server_.stopping) keep_alive_ = false;
        const bool head_only = x_->request.method == "HEAD";
        x_->status = response.status;
        x_->file.reset();
        if (response.file) {
            const std::uint64_t length = response.file->length;
            format_head(x_->head, response, length, keep_alive_);
            x_->body_bytes = head_only ? 0 : length;
            if (!head_only && length > 0) x_->file = std::move(response.file);
            x_->body.clear();
        } else {
            // An event stream has no length: it ends with the connection, which is never reused.
            const bool streaming = response.events && !head_only;
            if (streaming) keep_alive_ = false;
            format_head(x_->head, response,
                        streaming ? std::nullopt : std::optional<std::uint64_t>(response.body.size()), keep_alive_);
            x_->body = head_only ? std::string() : std::move(response.body);
            x_->body_bytes = x_->body.size();
        }
        expires_after(server_.options.read_timeout);
        if (x_->file) return send_head_then_file();
        if (response.events && !head_only) return start_event_stream(std::move(response.events));
        send_head_and_body();
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

    void start_event_stream(std::shared_ptr<event_stream> events) {
        x_->events = std::move(events);
        x_->event_timer.emplace(socket_.get_executor());
        const std::array<asio::const_buffer, 2> buffers{asio::buffer(x_->head), asio::buffer(x_->body)};
        asio::async_write(socket_, buffers, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->end_event_stream();
            self->poll_events();
        });
    }

    void poll_events() {
        if (server_.stopping) return end_event_stream();
        asio::post(server_.workers, [self = shared_from_this()] {
            std::optional<std::string> text;
            http_response ignored;
            if (!dispatcher::run_sink_step([&] { text = self->x_->events->poll(); }, ignored)) text.reset();
            asio::post(self->socket_.get_executor(), [self, text = std::move(text)]() mutable {
                if (!text) return self->end_event_stream();
                // A comment line now and then finds clients that left without closing.
                if (text->empty() && ++self->x_->quiet_polls * self->x_->events->interval < std::chrono::seconds(15))
                    return self->wait_for_next_poll();
                self->x_->quiet_polls = 0;
                self->x_->body = text->empty() ? std::string(":\n\n") : std::move(*text);
                self->expires_after(self->server_.options.read_timeout);
                asio::async_write(self->socket_, asio::buffer(self->x_->body),
                                  [self](beast::error_code ec, std::size_t) {
                                      if (ec) return self->end_event_stream();
                                      self->wait_for_next_poll();
                                  });
            });
        });
    }

    void wait_for_next_poll() {
        expires_never();
        x_->event_timer->expires_after(x_->events->interval);
        x_->event_timer->async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec) return self->end_event_stream();
            self->poll_events();
        });
    }

    void end_event_stream() {
        x_->events.reset();
        on_written({});
    }

    // The header goes out with MSG_MORE so the kernel joins it with the first file bytes.
    void send_head_then_file() {
        const int fd = socket_.native_handle();
        const ssize_t sent = ::send(fd, x_->head.data(), x_->head.size(), MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent == static_cast<ssize_t>(x_->head.size())) return send_file_chunk();
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return close();
        x_->head.erase(0, sent > 0 ? static_cast<std::size_t>(sent) : 0);
        asio::async_write(socket_, asio::buffer(x_->head), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return fail(ec, "write head"), self->close();
            self->send_file_chunk();
        });
    }

    void send_file_chunk() {
        auto& socket = socket_;
        const int fd = socket.native_handle();
        while (x_->file->length > 0) {
            off_t offset = static_cast<off_t>(x_->file->offset);
            const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(x_->file->length, 1 << 20));
            const ssize_t sent = ::sendfile(fd, x_->file->file->fd, &offset, chunk);
            if (sent > 0) {
                x_->file->offset += static_cast<std::uint64_t>(sent);
                x_->file->length -= static_cast<std::uint64_t>(sent);
                continue;
            }
            if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                socket.async_wait(tcp::socket::wait_write,
                                  asio::bind_executor(socket_.get_executor(),
                                                      [self = shared_from_this()](beast::error_code ec) {
                                                          if (ec) return fail(ec, "wait write"), self->close();
                                                          self->send_file_chunk();
                                                      }));
                return;
            }
            if (sent < 0 && errno == EINTR) continue;
            return close();  // file shrank or the peer went away: the length promised cannot be kept
        }
        on_written({});
    }

    void on_written(beast::error_code ec) {
        server_.log_request(x_->request, x_->status, x_->body_bytes, x_->started);
        x_->file.reset();
        x_->in_flight.reset();
        if (ec) return fail(ec, "write"), close();
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
    http_server::impl& server_;
    event_loop& loop_;
    deadline_clock::time_point deadline_ = deadline_clock::time_point::max();
    std::unique_ptr<exchange> x_;  // while a request is under way
    std::string remote_;
    int inline_answers_ = 0;  // answers sent in a row without waiting for the socket
    bool keep_alive_ = true;
    bool linger_ = false;
    std::unique_ptr<char[]> drain_buffer_;
};

}  // namespace

void event_loop::sweep() {
    const auto now = deadline_clock::now();
    std::erase_if(connections, [now](const std::weak_ptr<connection>& weak) {
        const auto alive = weak.lock();
        if (alive) alive->close_if_past_deadline(now);
        return !alive;
    });
    sweeper.expires_after(std::chrono::seconds(1));
    sweeper.async_wait([this](beast::error_code ec) {
        if (!ec) sweep();
    });
}

void http_server::impl::accept() {
    auto& loop = loop_for_next_connection();
    acceptor.async_accept(loop.context, [this, &loop](beast::error_code ec, socket_type socket) {
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
            // e.g. EMFILE: pause instead of spinning, and keep accepting once descriptors free up.
            fail(ec, "accept");
            auto pause = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(50));
            pause->async_wait([this, pause](beast::error_code) {
                if (acceptor.is_open()) accept();
            });
            return;
        }
        std::make_shared<connection>(std::move(socket), *this, loop)->start();
        accept();
    });
}

void http_server::impl::begin_shutdown() {
    if (stopping.exchange(true)) return;
    beast::error_code ignored;
    acceptor.close(ignored);
    std::fprintf(stderr, "{\"event\":\"shutdown\",\"in_flight\":%d}\n", requests_in_flight());
    drain_timer.expires_after(options.shutdown_grace);
    wait_for_drain();
}

// Idle keep-alive connections would keep the io_context busy forever; once no request is in
// flight (or the grace period ends) the loop stops.
void http_server::impl::wait_for_drain() {
    if (requests_in_flight() == 0 || drain_timer.expiry() <= std::chrono::steady_clock::now()) {
        stop_loops();
        return;
    }
    auto poll = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(20));
    poll->async_wait([this, poll](beast::error_code) { wait_for_drain(); });
}

http_server::http_server(server_options options, const dispatcher& routes)
    : impl_(std::make_unique<impl>(std::move(options), routes)) {}

http_server::~http_server() {
    impl_->workers.join();
    impl_->password_workers.join();
}

unsigned short http_server::port() const { return impl_->acceptor.local_endpoint().port(); }

void http_server::run() {
    impl_->signals.async_wait([this](beast::error_code ec, int) {
        if (!ec) impl_->begin_shutdown();
    });
    impl_->accept();
    for (auto& loop : impl_->loops) asio::post(loop->context, [&loop] { loop->sweep(); });
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < impl_->loops.size(); ++i)
        threads.emplace_back([&loop = *impl_->loops[i]] { loop.context.run(); });
    impl_->io.run();
    impl_->stop_loops();
    for (auto& t : threads) t.join();
    impl_->workers.join();
    impl_->password_workers.join();
}

void http_server::stop() {
    asio::post(impl_->io, [this] { impl_->begin_shutdown(); });
}

}  // namespace festival::server
