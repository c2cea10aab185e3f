#pragma once
// A room without WebSocket (a proxy that blocks it): the participant's messages wait in a queue
// that an event stream drains every 250 ms, each sent as `data: <the same JSON>`; what they say
// comes by POST (room_api.cpp). The queue is the stream's websocket_peer, bounded like a socket's.
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "server/http/http_message.hpp"
#include "server/room/room.hpp"

namespace festival::server {

class room_event_queue final : public websocket_peer {
public:
    explicit room_event_queue(std::size_t max_queued_bytes) : max_queued_bytes_(max_queued_bytes) {}
    void send(std::shared_ptr<const std::string> text) override;
    void close(std::uint16_t code, std::string_view reason) override;
    // What arrived since the last call, framed as events ("" when nothing); nullopt once closed and sent.
    std::optional<std::string> drain();

private:
    std::mutex mutex_;
    std::deque<std::shared_ptr<const std::string>> queued_;
    std::size_t queued_bytes_ = 0;
    const std::size_t max_queued_bytes_;
    bool closed_ = false;
};

// The event stream of `participant_hash` in `in`: joined when its POSTed hello arrives, leaves the
// room when the stream ends (the client went, the server stops, or the queue overflowed).
std::shared_ptr<event_stream> open_room_event_stream(std::shared_ptr<room> in, const std::string& participant_hash,
                                                     std::optional<std::string> session_moderator);

}  // namespace festival::server
