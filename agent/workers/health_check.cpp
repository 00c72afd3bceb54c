#include "agent/workers/health_check.h"

#include "agent/util/once.h"

#include <array>

namespace fulcrum::agent {
namespace {

using asio::ip::tcp;

class Probe : public std::enable_shared_from_this<Probe> {
public:
    Probe(asio::io_context& io, HealthCheckSpec spec, int port, std::function<void(ProbeResult)> done)
        : m_socket(io), m_timer(io), m_spec(std::move(spec)), m_port(port), m_done(std::move(done)) {}

    void start() {
        m_timer.expires_after(std::chrono::milliseconds(m_spec.timeout_ms));
        m_timer.async_wait([self = shared_from_this()](const asio::error_code& error) {
            if (!error) self->finish(false, "timed out after " + std::to_string(self->m_spec.timeout_ms) + " ms");
        });
        const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(m_port));
        m_socket.async_connect(endpoint, [self = shared_from_this()](const asio::error_code& error) {
            if (error) return self->finish(false, error.message());
            if (self->m_spec.type != HealthCheckSpec::Type::http) return self->finish(true, "accepts connections");
            self->send_request();
        });
    }

private:
    void send_request() {
        m_request = "GET " + m_spec.path + " HTTP/1.0\r\nHost: 127.0.0.1:" + std::to_string(m_port) +
                    "\r\nUser-Agent: fulcrum-agent health check\r\nConnection: close\r\n\r\n";
        asio::async_write(m_socket, asio::buffer(m_request), [self = shared_from_this()](const asio::error_code& error, std::size_t) {
            if (error) return self->finish(false, "cannot send the request: " + error.message());
            self->read_status();
        });
    }

    void read_status() {
        m_socket.async_read_some(asio::buffer(m_buffer.data() + m_used, m_buffer.size() - m_used),
                                 [self = shared_from_this()](const asio::error_code& error, std::size_t n) {
                                     self->m_used += n;
                                     const std::string_view text(self->m_buffer.data(), self->m_used);
                                     const auto end = text.find("\r\n");
                                     if (end == std::string_view::npos) {
                                         if (error || self->m_used == self->m_buffer.size())
                                             return self->finish(false, "no HTTP status line in the answer");
                                         return self->read_status();
                                     }
                                     self->check_status(text.substr(0, end));
                                 });
    }

    void check_status(std::string_view line) {
        // "HTTP/1.1 200 OK"
        const auto space = line.find(' ');
        if (line.substr(0, 5) != "HTTP/" || space == std::string_view::npos || line.size() < space + 4)
            return finish(false, "not an HTTP answer");
        const std::string_view code = line.substr(space + 1, 3);
        const int status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        if (status >= 200 && status < 400) return finish(true, "HTTP " + std::string(code));
        finish(false, "HTTP " + std::string(code) + " from " + m_spec.path);
    }

    void finish(bool healthy, std::string detail) {
        auto done = take_once(m_done);
        if (!done) return;
        asio::error_code ignored;
        m_socket.close(ignored);
        m_timer.cancel();
        done(ProbeResult{healthy, std::move(detail)});
    }

    tcp::socket m_socket;
    asio::steady_timer m_timer;
    HealthCheckSpec m_spec;
    int m_port;
    std::function<void(ProbeResult)> m_done;
    std::string m_request;
    std::array<char, 512> m_buffer{};
    std::size_t m_used = 0;
};

}  // namespace

void probe_health(asio::io_context& io, const HealthCheckSpec& spec, int port, std::function<void(ProbeResult)> done) {
    std::make_shared<Probe>(io, spec, port, std::move(done))->start();
}

}  // namespace fulcrum::agent
