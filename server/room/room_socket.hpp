#pragma once
// A WebSocket in a room: what the HTTP core calls (server/http/websocket.hpp), forwarded to the room.
#include <memory>
#include <optional>
#include <string>

#include "server/room/room.hpp"

namespace festival::server {

class room_socket final : public websocket_session {
public:
    // `session_moderator`: "session:<user id>" when the handshake's session may moderate this room.
    room_socket(std::shared_ptr<room> in, std::optional<std::string> session_moderator);
    void on_open(std::shared_ptr<websocket_peer> peer) override;
    void on_message(std::string_view text) override;
    void on_close() override;

private:
    std::shared_ptr<room> room_;
    std::optional<std::string> session_moderator_;
    std::shared_ptr<room_connection> connection_;
};

}  // namespace festival::server
