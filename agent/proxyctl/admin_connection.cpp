#include "agent/proxyctl/admin_connection.h"

#include "agent/util/once.h"

#include <array>

namespace fulcrum::agent {

class AdminConnection::Link : public std::enable_shared_from_this<Link> {
public:
    Link(asio::io_context& io, std::string path) : m_socket(io), m_timer(io), m_path(std::move(path)) {}

    bool busy() const { return static_cast<bool>(m_done); }
    bool connected() const { return m_socket.is_open(); }

    void start(nlohmann::json request, std::chrono::milliseconds timeout, std::function<void(AdminAnswer)> done) {
        m_id = m_next_id++;
        request["id"] = m_id;
        // The line and the answer buffer keep their capacity from one request to the next.
        m_line.clear();
        m_line += request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        m_line += '\n';
        m_done = std::move(done);
        m_timeout = timeout;
        m_retry_allowed = m_socket.is_open();  // a reused connection may have gone stale
        ++m_exchange;
        m_timer.expires_after(timeout);
        m_timer.async_wait([self = shared_from_this(), exchange = m_exchange](const asio::error_code& error) {
            if (error || exchange != self->m_exchange) return;
            self->m_retry_allowed = false;
            self->fail("no answer from the proxy within " + std::to_string(self->m_timeout.count()) + " ms");
        });
        send();
    }

    void close() {
        asio::error_code ignored;
        m_socket.close(ignored);
        m_answer.clear();
    }

    void cancel(const std::string& reason) {
        m_retry_allowed = false;
        if (busy()) return fail(reason);
        close();
    }

    void abandon() {
        m_done = nullptr;
        ++m_exchange;
        m_timer.cancel();
        close();
    }

private:
    void send() {
        if (m_socket.is_open()) return write();
        m_socket.async_connect(asio::local::stream_protocol::endpoint(m_path),
                               [self = shared_from_this(), exchange = m_exchange](const asio::error_code& error) {
                                   if (exchange != self->m_exchange) return;
                                   if (error) {
                                       self->close();
                                       return self->fail("cannot connect to the proxy's admin socket: " + error.message());
                                   }
                                   self->write();
                               });
    }

    void write() {
        asio::async_write(m_socket, asio::buffer(m_line),
                          [self = shared_from_this(), exchange = m_exchange](const asio::error_code& error, std::size_t) {
                              if (exchange != self->m_exchange) return;
                              if (error) return self->broken("cannot send to the proxy: " + error.message());
                              self->read();
                          });
    }

    void read() {
        m_socket.async_read_some(asio::buffer(m_chunk), [self = shared_from_this(), exchange = m_exchange](
                                                            const asio::error_code& error, std::size_t n) {
            if (exchange != self->m_exchange) return;
            self->m_answer.append(self->m_chunk.data(), n);
            const auto nl = self->m_answer.find('\n');
            if (nl != std::string::npos) return self->parse(nl);
            if (self->m_answer.size() > AdminClient::kMaxAnswerBytes) {
                self->m_retry_allowed = false;
                return self->broken("the proxy's answer is too large");
            }
            if (error) return self->broken("the proxy closed the admin connection: " + error.message());
            self->read();
        });
    }

    void parse(std::size_t newline) {
        // One request is out at a time, so anything after its answer's line is not ours.
        const bool stray = newline + 1 != m_answer.size();
        auto body = nlohmann::json::parse(m_answer.begin(), m_answer.begin() + static_cast<std::ptrdiff_t>(newline),
                                          nullptr, false);
        m_answer.clear();
        m_retry_allowed = false;
        if (body.is_discarded() || !body.is_object()) return broken("the proxy's answer is not a JSON object");
        const auto id = body.find("id");
        if (stray || id == body.end() || *id != m_id) return broken("the proxy answered another request");
        finish(admin_answer_from(std::move(body)));
    }

    // The connection cannot be used any more: closed, and the request sent once more on a new
    // one if this one had been reused (the proxy restarted and closed it meanwhile).
    void broken(std::string error) {
        close();
        if (m_retry_allowed) {
            m_retry_allowed = false;
            ++m_exchange;  // handlers of the broken attempt (the timer's included) stand down
            const auto exchange = m_exchange;
            m_timer.expires_after(m_timeout);
            m_timer.async_wait([self = shared_from_this(), exchange](const asio::error_code& e) {
                if (e || exchange != self->m_exchange) return;
                self->fail("no answer from the proxy within " + std::to_string(self->m_timeout.count()) + " ms");
            });
            return send();
        }
        fail(std::move(error));
    }

    void fail(std::string error) {
        close();
        AdminAnswer answer;
        answer.error = std::move(error);
        finish(std::move(answer));
    }

    void finish(AdminAnswer answer) {
        auto done = take_once(m_done);
        if (!done) return;
        ++m_exchange;
        m_timer.cancel();
        done(std::move(answer));
    }

    asio::local::stream_protocol::socket m_socket;
    asio::steady_timer m_timer;
    std::string m_path;
    std::string m_line;
    std::string m_answer;
    std::array<char, 16384> m_chunk{};
    std::function<void(AdminAnswer)> m_done;
    std::chrono::milliseconds m_timeout{0};
    std::int64_t m_id = 0;
    std::int64_t m_next_id = 1;
    std::uint64_t m_exchange = 0;  // handlers of an earlier exchange or attempt find it changed
    bool m_retry_allowed = false;
};

AdminConnection::AdminConnection(asio::io_context& io, std::string socket_path)
    : m_link(std::make_shared<Link>(io, std::move(socket_path))) {}

AdminConnection::~AdminConnection() { m_link->abandon(); }

void AdminConnection::request(nlohmann::json request, std::chrono::milliseconds timeout,
                              std::function<void(AdminAnswer)> done) {
    if (m_link->busy()) {
        AdminAnswer answer;
        answer.error = "an admin request is still out on this connection";
        return done(std::move(answer));
    }
    m_link->start(std::move(request), timeout, std::move(done));
}

void AdminConnection::cancel(const std::string& reason) { m_link->cancel(reason); }

bool AdminConnection::connected() const { return m_link->connected(); }

}  // namespace fulcrum::agent
