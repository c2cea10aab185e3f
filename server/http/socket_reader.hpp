#pragma once
// How a connection reads its requests: drained_read (Asio's reactor internals, Boost 1.81's epoll
// reactor) when CMake's FESTIVAL_DRAINED_READ chose it, else ready_read (public Asio). Both give
// reader_socket, reader_loop_state and the same contract to the owner.
#if !defined(FESTIVAL_DRAINED_READ)
#error "FESTIVAL_DRAINED_READ is set by server/CMakeLists.txt on the files that read sockets"
#elif FESTIVAL_DRAINED_READ
#include "server/http/drained_read.hpp"
namespace festival::server {
template <typename Owner>
using socket_reader = drained_read<Owner>;
}  // namespace festival::server
#else
#include "server/http/ready_read.hpp"
namespace festival::server {
template <typename Owner>
using socket_reader = ready_read<Owner>;
}  // namespace festival::server
#endif
