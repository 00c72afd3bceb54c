#include "proxy/metrics/metrics_listener.h"

#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <charconv>
#include <chrono>

namespace fulcrum::proxy::metrics {

namespace {

using asio::ip::tcp;

class ScrapeConnection : public std::enable_shared_from_this<ScrapeConnection> {
public:
    ScrapeConnection(tcp::socket socket, const MetricsListener::Render& render)
        : m_socket(std::move(socket)), m_timer(m_socket.get_executor()), m_render(render), m_buffer(8192) {}

    void start() {
        m_timer.expires_after(std::chrono::seconds(5));
        m_timer.async_wait([self = shared_from_this()](const asio::error_code& error) {
            if (!error) {
                asio::error_code ignored;
                self->m_socket.close(ignored);
            }
        });
        asio::async_read_until(m_socket, m_buffer, "\r\n\r\n",
                               [self = shared_from_this()](const asio::error_code& error, std::size_t length) {
                                   self->on_head(error, length);
                               });
    }

private:
    void on_head(const asio::error_code& error, std::size_t length) {
        if (error == asio::error::not_found) return reply(431, "Request Header Fields Too Large", "", false);
        if (error) return finish();
        const std::string head(asio::buffers_begin(m_buffer.data()),
                               asio::buffers_begin(m_buffer.data()) + static_cast<std::ptrdiff_t>(length));
        const auto line_end = head.find("\r\n");
        const std::string line = head.substr(0, line_end);
        const auto first_space = line.find(' ');
        const auto second_space = line.find(' ', first_space + 1);
        if (first_space == std::string::npos || second_space == std::string::npos) {
            return reply(400, "Bad Request", "", false);
        }
        const std::string method = line.substr(0, first_space);
        std::string target = line.substr(first_space + 1, second_space - first_space - 1);
        if (const auto query = target.find('?'); query != std::string::npos) target.resize(query);
        if (target != "/metrics") return reply(404, "Not Found", "", false);
        if (method != "GET" && method != "HEAD") return reply(405, "Method Not Allowed", "", false);
        reply(200, "OK", m_render(), method == "HEAD");
    }

    void reply(int status, const char* reason, std::string body, bool head_only) {
        m_out = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                "\r\nContent-Type: " + (status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain") +
                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
        if (!head_only) m_out += body;
        asio::async_write(m_socket, asio::buffer(m_out),
                          [self = shared_from_this()](const asio::error_code&, std::size_t) { self->finish(); });
    }

    void finish() {
        asio::error_code ignored;
        m_socket.shutdown(tcp::socket::shutdown_both, ignored);
        m_socket.close(ignored);
        m_timer.cancel();
    }

    tcp::socket m_socket;
    asio::steady_timer m_timer;
    const MetricsListener::Render& m_render;
    asio::streambuf m_buffer;
    std::string m_out;
};

}  // namespace

MetricsListener::MetricsListener(std::string bind, Render render) : m_bind(std::move(bind)), m_render(std::move(render)) {}

MetricsListener::~MetricsListener() { stop(); }

std::string MetricsListener::start() {
    const auto colon = m_bind.rfind(':');
    if (colon == std::string::npos) return "metrics listener: expected HOST:PORT, got \"" + m_bind + "\"";
    std::string host = m_bind.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    const auto port_text = std::string_view(m_bind).substr(colon + 1);
    const auto parsed = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (parsed.ec != std::errc{} || parsed.ptr != port_text.data() + port_text.size() || port > 65535) {
        return "metrics listener: bad port in \"" + m_bind + "\"";
    }
    asio::error_code error;
    const auto address = asio::ip::make_address(host, error);
    if (error) return "metrics listener: \"" + host + "\" is not an IP address";
    if (!address.is_loopback()) return "metrics listener must bind a loopback address, not " + host;
    auto acceptor = std::make_unique<tcp::acceptor>(m_io);
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor->open(endpoint.protocol(), error);
    if (!error) acceptor->set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor->bind(endpoint, error);
    if (!error) acceptor->listen(64, error);
    if (error) return "metrics listener: cannot bind " + m_bind + ": " + error.message();
    m_endpoint = acceptor->local_endpoint();
    m_acceptor = std::move(acceptor);
    accept_next();
    m_thread = std::thread([this] { m_io.run(); });
    return {};
}

void MetricsListener::accept_next() {
    m_acceptor->async_accept([this](const asio::error_code& error, tcp::socket socket) {
        if (error == asio::error::operation_aborted || !m_acceptor->is_open()) return;
        if (!error) std::make_shared<ScrapeConnection>(std::move(socket), m_render)->start();
        accept_next();
    });
}

void MetricsListener::stop() {
    if (!m_thread.joinable()) return;
    asio::post(m_io, [this] {
        asio::error_code ignored;
        m_acceptor->close(ignored);
        m_io.stop();
    });
    m_thread.join();
}

}  // namespace fulcrum::proxy::metrics
