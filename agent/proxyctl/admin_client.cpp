#include "agent/proxyctl/admin_client.h"

#include "agent/util/once.h"

#include <memory>

namespace fulcrum::agent {
namespace {

class AdminExchange : public std::enable_shared_from_this<AdminExchange> {
public:
    AdminExchange(asio::io_context& io, std::string line, std::function<void(AdminAnswer)> done)
        : m_socket(io), m_timer(io), m_line(std::move(line)), m_done(std::move(done)) {}

    void start(const std::string& path, std::chrono::milliseconds timeout) {
        m_timer.expires_after(timeout);
        m_timer.async_wait([self = shared_from_this(), timeout](const asio::error_code& error) {
            if (!error) self->fail("no answer from the proxy within " + std::to_string(timeout.count()) + " ms");
        });
        m_socket.async_connect(asio::local::stream_protocol::endpoint(path),
                               [self = shared_from_this()](const asio::error_code& error) {
                                   if (error) return self->fail("cannot connect to the proxy's admin socket: " + error.message());
                                   self->write();
                               });
    }

private:
    void write() {
        asio::async_write(m_socket, asio::buffer(m_line), [self = shared_from_this()](const asio::error_code& error, std::size_t) {
            if (error) return self->fail("cannot send to the proxy: " + error.message());
            self->read();
        });
    }

    void read() {
        m_socket.async_read_some(asio::buffer(m_chunk), [self = shared_from_this()](const asio::error_code& error, std::size_t n) {
            self->m_answer.append(self->m_chunk.data(), n);
            const auto nl = self->m_answer.find('\n');
            if (nl != std::string::npos) return self->parse(self->m_answer.substr(0, nl));
            if (self->m_answer.size() > AdminClient::kMaxAnswerBytes) return self->fail("the proxy's answer is too large");
            if (error) return self->fail("the proxy closed the admin connection: " + error.message());
            self->read();
        });
    }

    void parse(const std::string& line) {
        auto body = nlohmann::json::parse(line, nullptr, false);
        if (body.is_discarded() || !body.is_object()) return fail("the proxy's answer is not a JSON object");
        finish(admin_answer_from(std::move(body)));
    }

    void fail(std::string error) {
        AdminAnswer answer;
        answer.error = std::move(error);
        finish(std::move(answer));
    }

    void finish(AdminAnswer answer) {
        auto done = take_once(m_done);
        if (!done) return;
        asio::error_code ignored;
        m_socket.close(ignored);
        m_timer.cancel();
        done(std::move(answer));
    }

    asio::local::stream_protocol::socket m_socket;
    asio::steady_timer m_timer;
    std::string m_line;
    std::function<void(AdminAnswer)> m_done;
    std::array<char, 65536> m_chunk{};
    std::string m_answer;
};

}  // namespace

AdminAnswer admin_answer_from(nlohmann::json body) {
    AdminAnswer answer;
    answer.body = std::move(body);
    answer.ok = answer.body.value("ok", false);
    if (!answer.ok) {
        const auto error = answer.body.find("error");
        answer.error = error != answer.body.end() && error->is_string() ? error->get<std::string>() : "refused";
    }
    return answer;
}

void AdminClient::request(nlohmann::json request, std::chrono::milliseconds timeout, std::function<void(AdminAnswer)> done) {
    request["id"] = m_next_id++;
    auto exchange = std::make_shared<AdminExchange>(
        m_io, request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", std::move(done));
    exchange->start(m_path, timeout);
}

}  // namespace fulcrum::agent
