#pragma once
// Tells systemd (Type=notify) how the service is doing: one datagram to $NOTIFY_SOCKET, the
// protocol of sd_notify(3), without libsystemd. Nothing happens when the variable is not set.
#include <string_view>

namespace festival::server {

// `state` as sd_notify takes it: "READY=1", "MAINPID=1234\nREADY=1", … False when it could not be sent.
bool notify_service_manager(std::string_view state);

}  // namespace festival::server
