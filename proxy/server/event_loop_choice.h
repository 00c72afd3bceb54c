#pragma once

#include "proxy/server/proxy_command.h"

namespace fulcrum::proxy::server {

// `fulcrum-agent proxy` picks its event loop before any loop exists: the proxy is compiled
// twice (proxy/CMakeLists.txt), on Asio's epoll reactor and on io_uring, because Asio chooses
// its backend at compile time. `options.event_loop`:
//   epoll     epoll;
//   auto      (the default) io_uring where this host can create the ring the loops need,
//             epoll otherwise (and it says why on stderr);
//   io_uring  io_uring or a clear error (exit 1).
// Then runs the command on that copy and returns its exit code.
int run_proxy_command_on_chosen_loop(const ProxyCommandOptions& options);

}  // namespace fulcrum::proxy::server
