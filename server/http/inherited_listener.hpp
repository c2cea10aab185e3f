#pragma once
// A listening socket the festival did not bind itself: handed over by the festival it replaces
// during a restart (FESTIVAL_LISTEN_FD names the descriptor), or passed by systemd from a .socket
// unit (LISTEN_FDS / LISTEN_PID, first descriptor 3: sd_listen_fds(3)'s protocol, no libsystemd
// needed). Connections waiting in its queue are accepted by whoever holds it next, so none is lost.
#include <optional>

namespace festival::server {

// The inherited listening socket, if any; the variables are removed so that no child takes them
// for its own. Throws std::invalid_argument when a variable names something that is not a
// listening TCP socket.
std::optional<int> take_inherited_listener();

}  // namespace festival::server
