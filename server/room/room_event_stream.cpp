#include "server/room/room_event_stream.hpp"

#include <chrono>

namespace festival::server {
namespace {

// Held by the stream's poll function: when the core drops the stream, the connection leaves.
struct stream_membership {
    std::shared_ptr<room> in;
    std::shared_ptr<room_event_queue> queue;
    std::shared_ptr<room_connection> connection;
    ~stream_membership() {
        if (in && connection) in->disconnect(*connection);
    }
};

}  // namespace

void room_event_queue::send(std::shared_ptr<const std::string> text) {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    queued_bytes_ += text->size();
    if (queued_bytes_ > max_queued_bytes_) {  // a client that stopped reading
        closed_ = true;
        return;
    }
    queued_.push_back(std::move(text));
}

void room_event_queue::close(std::uint16_t, std::string_view) {
    std::lock_guard lock(mutex_);
    closed_ = true;
}

std::optional<std::string> room_event_queue::drain() {
    std::lock_guard lock(mutex_);
    if (closed_ && queued_.empty()) return std::nullopt;
    std::string events;
    for (const auto& text : queued_) {
        events += "data: ";
        events += *text;
        events += "\n\n";
    }
    queued_.clear();
    queued_bytes_ = 0;
    return events;
}

std::shared_ptr<event_stream> open_room_event_stream(std::shared_ptr<room> in, const std::string& participant_hash,
                                                     std::optional<std::string> session_moderator) {
    auto queue = std::make_shared<room_event_queue>(websocket_options{}.max_queued_bytes);
    auto connection = in->connect(queue, std::move(session_moderator), participant_hash);
    auto membership = std::make_shared<stream_membership>();
    membership->in = std::move(in);
    membership->queue = queue;
    membership->connection = std::move(connection);
    auto stream = std::make_shared<event_stream>();
    stream->interval = std::chrono::milliseconds(250);
    stream->poll = [membership]() { return membership->queue->drain(); };
    return stream;
}

}  // namespace festival::server
