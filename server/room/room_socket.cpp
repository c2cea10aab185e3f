#include "server/room/room_socket.hpp"

namespace festival::server {

room_socket::room_socket(std::shared_ptr<room> in, std::optional<std::string> session_moderator)
    : room_(std::move(in)), session_moderator_(std::move(session_moderator)) {}

void room_socket::on_open(std::shared_ptr<websocket_peer> peer) {
    connection_ = room_->connect(std::move(peer), session_moderator_);
}

void room_socket::on_message(std::string_view text) {
    if (!connection_) return;
    if (auto refusal = room_->receive(*connection_, text)) connection_->peer()->send(room_error_text(*refusal));
}

void room_socket::on_close() {
    if (connection_) room_->disconnect(*connection_);
}

}  // namespace festival::server
