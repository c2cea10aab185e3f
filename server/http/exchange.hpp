#pragma once
// One request and its answer, as a connection holds them while the request is under way; and the
// counter that lets shutdown wait for requests in flight. Part of the connection (connection.cpp).
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/http/router.hpp"

namespace festival::server {

using header_allocator = std::pmr::polymorphic_allocator<char>;

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
    boost::beast::flat_buffer buffer;
    // A typical header's fields fit in the first kilobyte: parsing them costs no malloc.
    std::array<std::byte, 1024> arena_storage;
    std::pmr::monotonic_buffer_resource arena{arena_storage.data(), arena_storage.size()};
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body, header_allocator>> parser;
    http_request request;  // its strings keep their storage from one request to the next
    route_match match;
    std::string head;
    std::string body;
    std::optional<file_range> file;  // file_sender's
    std::uint64_t body_bytes = 0;
    int status = 0;
    std::chrono::steady_clock::time_point started;
    std::optional<in_flight_request> in_flight;
    // What a body read may keep in the buffer beyond a chunk-size line or trailer section: one read.
    static constexpr std::size_t body_read_room = 64 * 1024;
    // body_streamer's: the body goes to a sink piece by piece.
    static constexpr std::size_t piece_size = 256 * 1024;
    std::unique_ptr<body_sink> sink;
    std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body, header_allocator>>
        streaming_parser;
    std::unique_ptr<char[]> piece_buffer;
    // event_stream_writer's.
    std::shared_ptr<event_stream> events;
    std::optional<boost::asio::steady_timer> event_timer;
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

}  // namespace festival::server
