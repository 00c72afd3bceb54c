#pragma once
// A kept-open connection to the proxy's admin socket for a request the daemon repeats every
// second (`stats` for the metrics tick). AdminClient opens a connection per request, which
// costs an idle daemon a socket, connect, poll, getsockopt, epoll_ctl and close every second;
// the admin protocol answers any number of requests on one connection, in order
// (proxy/admin/ADMIN.md), so this one stays open.
//
// One request at a time (the caller waits for the answer before the next), and only requests
// that may be repeated: a connection that fails after it was reused (the proxy restarted since)
// is replaced and the request sent once more on the new one. A timeout, a stray or mismatched
// answer closes the connection, so a late answer can never be taken for the next request's.

#include "agent/proxyctl/admin_client.h"

#include <asio.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace fulcrum::agent {

class AdminConnection {
public:
    AdminConnection(asio::io_context& io, std::string socket_path);
    ~AdminConnection();
    AdminConnection(const AdminConnection&) = delete;
    AdminConnection& operator=(const AdminConnection&) = delete;

    // Sends `request` (an object; "id" is set) and calls `done` exactly once. A request made
    // while another is out fails at once.
    void request(nlohmann::json request, std::chrono::milliseconds timeout, std::function<void(AdminAnswer)> done);
    // Fails the request that is out (if any) with `reason` now, and drops the connection: for a
    // caller whose own schedule is the deadline (the metrics tick), so that no timer of ours
    // has to wake the daemon just before it.
    void cancel(const std::string& reason);
    bool connected() const;

    class Link;  // the connection's state; shared with its pending handlers

private:
    std::shared_ptr<Link> m_link;
};

}  // namespace fulcrum::agent
