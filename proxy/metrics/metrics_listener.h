#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

namespace fulcrum::proxy::metrics {

// The optional metrics listener: `GET /metrics` over plain HTTP/1.1 on a loopback address,
// for a local Prometheus or node exporter textfile scraper. One request per connection,
// request heads bounded to 8 KiB and 5 seconds; anything but GET/HEAD /metrics is 404/405.
// Runs on its own thread so a scrape never touches a proxy worker.
class MetricsListener {
public:
    using Render = std::function<std::string()>;  // the exposition text, built per scrape

    MetricsListener(std::string bind, Render render);
    ~MetricsListener();
    MetricsListener(const MetricsListener&) = delete;
    MetricsListener& operator=(const MetricsListener&) = delete;

    // Binds "127.0.0.1:9100" / "[::1]:9100" (port 0 picks one). Refuses non-loopback
    // addresses. Returns an error message or empty.
    std::string start();
    void stop();
    asio::ip::tcp::endpoint endpoint() const { return m_endpoint; }

private:
    void accept_next();

    std::string m_bind;
    Render m_render;
    asio::io_context m_io{1};
    std::unique_ptr<asio::ip::tcp::acceptor> m_acceptor;
    asio::ip::tcp::endpoint m_endpoint;
    std::thread m_thread;
};

}  // namespace fulcrum::proxy::metrics
