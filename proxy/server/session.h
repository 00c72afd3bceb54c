#pragma once

#include <memory>
#include <string>

#include <asio/ip/tcp.hpp>

namespace fulcrum::proxy::server {

class Worker;
struct ListenerRuntime;

// Starts serving an accepted client connection on `worker`'s loop (plain or TLS, as the
// listener says). The connection owns itself from here on.
void start_session(Worker& worker, asio::ip::tcp::socket socket, const asio::ip::tcp::endpoint& peer,
                   const ListenerRuntime& listener);

}  // namespace fulcrum::proxy::server
