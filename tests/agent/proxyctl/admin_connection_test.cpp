// The kept-open admin connection (agent/proxyctl/admin_connection.h) against a real Unix
// socket that speaks the admin framing (one JSON line in, one out) and can misbehave as a
// restarted or stalled proxy would: close after answering, answer late.
#include "agent/proxyctl/admin_connection.h"
#include "tests/agent/support/test_agent.h"

#include <gtest/gtest.h>

#include <asio.hpp>

#include <map>
#include <optional>

namespace fulcrum::agent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Socket = asio::local::stream_protocol::socket;

// Answers {"id": ID, "ok": true, "connection": N} where N counts accepted connections.
class AdminPeer {
public:
    AdminPeer(asio::io_context& io, const std::string& path)
        : m_io(io), m_acceptor(io, asio::local::stream_protocol::endpoint(path)) {
        accept();
    }
    int accepted() const { return m_accepted; }
    bool close_after_each_answer = false;
    std::map<int, std::chrono::milliseconds> delay_of_request;  // by 1-based request number

private:
    struct Connection {
        explicit Connection(asio::io_context& io) : socket(io), timer(io) {}
        Socket socket;
        asio::steady_timer timer;
        asio::streambuf in;
        std::string out;
        int number = 0;
    };

    void accept() {
        m_acceptor.async_accept([this](const asio::error_code& error, Socket socket) {
            if (error) return;
            auto connection = std::make_shared<Connection>(m_io);
            connection->socket = std::move(socket);
            connection->number = ++m_accepted;
            read(connection);
            accept();
        });
    }

    void read(const std::shared_ptr<Connection>& c) {
        asio::async_read_until(c->socket, c->in, '\n', [this, c](const asio::error_code& error, std::size_t n) {
            if (error) return;
            std::string line(asio::buffers_begin(c->in.data()), asio::buffers_begin(c->in.data()) + static_cast<std::ptrdiff_t>(n));
            c->in.consume(n);
            const auto request = json::parse(line);
            c->out = json{{"id", request.at("id")}, {"ok", true}, {"connection", c->number}}.dump() + "\n";
            const auto delay = delay_of_request.find(++m_requests);
            c->timer.expires_after(delay == delay_of_request.end() ? 0ms : delay->second);
            c->timer.async_wait([this, c](const asio::error_code&) {
                asio::async_write(c->socket, asio::buffer(c->out), [this, c](const asio::error_code& e, std::size_t) {
                    if (e) return;
                    if (close_after_each_answer) {
                        asio::error_code ignored;
                        c->socket.close(ignored);
                        return;
                    }
                    read(c);
                });
            });
        });
    }

    asio::io_context& m_io;
    asio::local::stream_protocol::acceptor m_acceptor;
    int m_accepted = 0;
    int m_requests = 0;
};

class AdminConnectionTest : public ::testing::Test {
protected:
    // One request, run to its answer (bounded).
    AdminAnswer ask(std::chrono::milliseconds timeout = 2000ms) {
        std::optional<AdminAnswer> answer;
        connection.request({{"command", "stats"}}, timeout, [&](AdminAnswer a) { answer = std::move(a); });
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!answer && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
        EXPECT_TRUE(answer) << "no callback";
        return answer.value_or(AdminAnswer{});
    }
    void run_for(std::chrono::milliseconds ms) {
        io.restart();
        io.run_for(ms);
    }

    test_support::TempDir dir;
    std::string path = (dir.path() / "admin.sock").string();
    asio::io_context io;
    AdminPeer peer{io, path};
    AdminConnection connection{io, path};
};

TEST_F(AdminConnectionTest, ManyRequestsShareOneConnection) {
    for (int i = 0; i < 5; ++i) {
        const auto answer = ask();
        ASSERT_TRUE(answer.ok) << answer.error;
        EXPECT_EQ(answer.body.value("connection", 0), 1);
    }
    EXPECT_EQ(peer.accepted(), 1);
    EXPECT_TRUE(connection.connected());
}

// A proxy that restarted closed the kept connection: the request goes out again, once, on a
// new one, and the caller sees only the answer.
TEST_F(AdminConnectionTest, AClosedConnectionIsReplacedWithoutAFailedRequest) {
    peer.close_after_each_answer = true;
    for (int i = 1; i <= 3; ++i) {
        run_for(50ms);  // let the close arrive before the next request is written
        const auto answer = ask();
        ASSERT_TRUE(answer.ok) << answer.error;
        EXPECT_EQ(answer.body.value("connection", 0), i);
    }
    EXPECT_EQ(peer.accepted(), 3);
}

// The late answer to a timed-out request must never be taken for the next request's.
TEST_F(AdminConnectionTest, ATimedOutAnswerIsNeverTakenForTheNextRequest) {
    peer.delay_of_request[2] = 400ms;
    ASSERT_TRUE(ask().ok);
    const auto late = ask(100ms);
    EXPECT_FALSE(late.ok);
    EXPECT_NE(late.error.find("no answer from the proxy within 100 ms"), std::string::npos) << late.error;
    EXPECT_FALSE(connection.connected());
    run_for(500ms);  // the late answer is written now, to a closed connection
    const auto next = ask();
    ASSERT_TRUE(next.ok) << next.error;
    EXPECT_EQ(next.body.value("connection", 0), 2);
    EXPECT_EQ(peer.accepted(), 2);
}

// The metrics tick is the deadline of the stats request it sent a tick earlier.
TEST_F(AdminConnectionTest, CancelFailsTheRequestThatIsOutAndTheNextOneConnectsAgain) {
    peer.delay_of_request[1] = 300ms;
    std::optional<AdminAnswer> first;
    connection.request({{"command", "stats"}}, 5s, [&](AdminAnswer a) { first = std::move(a); });
    run_for(100ms);
    EXPECT_FALSE(first);
    connection.cancel("no answer within a tick");
    ASSERT_TRUE(first);  // at once, from cancel
    EXPECT_FALSE(first->ok);
    EXPECT_EQ(first->error, "no answer within a tick");
    run_for(400ms);
    const auto next = ask();
    ASSERT_TRUE(next.ok) << next.error;
    EXPECT_EQ(next.body.value("connection", 0), 2);
    connection.cancel("nothing is out");  // harmless when idle
    EXPECT_FALSE(connection.connected());
}

TEST_F(AdminConnectionTest, OneRequestAtATime) {
    std::optional<AdminAnswer> first;
    std::optional<AdminAnswer> second;
    connection.request({{"command", "stats"}}, 2s, [&](AdminAnswer a) { first = std::move(a); });
    connection.request({{"command", "stats"}}, 2s, [&](AdminAnswer a) { second = std::move(a); });
    ASSERT_TRUE(second);  // at once, without touching the connection
    EXPECT_FALSE(second->ok);
    EXPECT_NE(second->error.find("still out"), std::string::npos);
    while (!first) io.run_one_for(100ms);
    EXPECT_TRUE(first->ok) << first->error;
}

TEST(AdminConnectionNoProxy, NoSocketIsOneClearFailure) {
    test_support::TempDir dir;
    asio::io_context io;
    AdminConnection connection(io, (dir.path() / "absent.sock").string());
    int calls = 0;
    AdminAnswer answer;
    connection.request({{"command", "stats"}}, 1s, [&](AdminAnswer a) {
        ++calls;
        answer = std::move(a);
    });
    io.run_for(1500ms);
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(answer.ok);
    EXPECT_NE(answer.error.find("cannot connect to the proxy's admin socket"), std::string::npos) << answer.error;
}

}  // namespace
}  // namespace fulcrum::agent
