#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>

#include "proxy/admin/admin_request.h"

namespace fulcrum::proxy::admin {

// The admin Unix socket: mode 0600, and only peers with our own uid (SO_PEERCRED) are
// served. It runs on a thread of its own so that a handler may block on the proxy's control
// loop (a config swap waits until every worker has the new snapshot) without stalling it.
// Connections are served one line at a time; lines are bounded, and a client that sends an
// over-long line gets an error and is disconnected.
class AdminSocketServer {
public:
    // Handles one request line and returns one answer line (no '\n'). Called on the admin
    // thread only, one request at a time.
    using Handler = std::function<std::string(std::string_view line)>;

    AdminSocketServer(std::string path, Handler handler, AdminLimits limits = {});
    ~AdminSocketServer();
    AdminSocketServer(const AdminSocketServer&) = delete;
    AdminSocketServer& operator=(const AdminSocketServer&) = delete;

    // Binds (replacing a stale socket, never another kind of file) and starts the thread.
    // Returns an error message or empty.
    std::string start();
    void stop();
    const std::string& path() const { return m_path; }

private:
    void accept_next();

    std::string m_path;
    Handler m_handler;
    AdminLimits m_limits;
    asio::io_context m_io{1};
    std::unique_ptr<asio::local::stream_protocol::acceptor> m_acceptor;
    std::thread m_thread;
};

}  // namespace fulcrum::proxy::admin
