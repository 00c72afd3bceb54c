// The real binary in front of a pool whose every server refuses connections (its workers are
// stopped), read through the admin socket as the agent reads it: the counters must say what
// the clients got (every 502 and 503 is a response whose bytes were sent) and which server was
// tried and failed, exactly, at every scope (proxy/admin/ADMIN.md, "What the traffic counters
// count").
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_child.h"
#include "tests/proxy/admin/admin_test_client.h"
#include "tls_test_support.h"

using namespace fulcrum::proxy::testing;
using fulcrum::proxy::admin::testing::AdminClient;
using nlohmann::json;

namespace {

// A port bound on 127.0.0.1 that never listens: a connection to it is refused, as to a stopped
// worker's port, and no other program can take the port while the test runs.
class RefusingPort {
public:
    RefusingPort() {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
            socklen_t length = sizeof address;
            ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &length);
            m_port = ntohs(address.sin_port);
        }
    }
    ~RefusingPort() { ::close(m_fd); }
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;

    std::uint16_t port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }

private:
    int m_fd = -1;
    std::uint16_t m_port = 0;
};

std::uint64_t count(const json& scope, const char* name) { return scope.at(name).get<std::uint64_t>(); }
std::uint64_t status(const json& scope, const char* code) { return scope.at("status").at(code).get<std::uint64_t>(); }

// The value of the sample `family{labels} VALUE` in Prometheus text; -1 when absent.
long long sample(const std::string& text, const std::string& family, const std::string& labels) {
    const std::string prefix = family + "{" + labels + "} ";
    const auto at = text.find("\n" + prefix);
    if (at == std::string::npos) return -1;
    return std::atoll(text.c_str() + at + 1 + prefix.size());
}

}  // namespace

TEST(ProxyProcess, AllUpstreamsRefusingCountsEveryAnswerAndEveryAttemptExactly) {
    constexpr int kServers = 4;
    constexpr int kMaxFails = 3;
    constexpr int kBadGateways = 10;
    constexpr int kUnavailable = 3;
    std::vector<std::unique_ptr<RefusingPort>> refusing;
    json servers = json::array();
    for (int i = 0; i < kServers; ++i) {
        refusing.push_back(std::make_unique<RefusingPort>());
        ASSERT_NE(refusing.back()->port(), 0);
        servers.push_back({{"address", refusing.back()->address()}});
    }
    fulcrum::proxy::tls::testing::TempDir dir;
    const std::string config_path = dir.path() + "/config.json";
    const std::string socket = dir.path() + "/admin.sock";
    // A fail_timeout far beyond the test's length: once a server is marked down it stays down,
    // so which requests still try servers is fixed.
    std::ofstream(config_path) << json{{"threads", 2},
                                       {"listeners", {{{"name", "web"}, {"address", "127.0.0.1:0"}}}},
                                       {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
                                       {"pools",
                                        {{{"name", "app"},
                                          {"servers", servers},
                                          {"max_fails", kMaxFails},
                                          {"fail_timeout_ms", 600000}}}}}
                                      .dump();
    Child proxy({FULCRUM_AGENT_BINARY, "proxy", "--config", config_path, "--admin-socket", socket, "--allow-root"});
    const auto port = port_of(proxy.wait_line("listener web on"));
    ASSERT_NE(port, 0);

    // Each request on its own connection, closed by the proxy after the answer: the client has
    // every byte of it, and the proxy has counted them, once it sees the end.
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    const auto request = [&](int expected_status) {
        const std::string bytes = "GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        TestClient client(port);
        ASSERT_TRUE(client.connected());
        ASSERT_TRUE(client.send(bytes));
        const std::string answer = client.read_all(5000);
        ASSERT_EQ(answer.rfind("HTTP/1.1 " + std::to_string(expected_status) + " ", 0), 0u) << answer;
        sent += bytes.size();
        received += answer.size();
    };
    // The first kMaxFails requests try every server and fail on each; after them every server
    // is down and the rest are answered 502 at once, trying none.
    for (int i = 0; i < kBadGateways; ++i) ASSERT_NO_FATAL_FAILURE(request(502)) << i;
    AdminClient admin(socket);
    ASSERT_TRUE(admin.connected());
    for (const auto& server : servers) {
        const auto answer = json::parse(admin.call(
            json{{"command", "set_server"}, {"pool", "app"}, {"address", server["address"]}, {"state", "disabled"}}.dump()));
        ASSERT_TRUE(answer.value("ok", false)) << answer;
    }
    // No active server: 503, trying none.
    for (int i = 0; i < kUnavailable; ++i) ASSERT_NO_FATAL_FAILURE(request(503)) << i;

    const auto stats = json::parse(admin.call(R"({"command":"stats"})")).at("stats");
    const auto& listener = stats["listeners"][0];
    const auto& pool = stats["pools"][0];
    constexpr std::uint64_t kRequests = kBadGateways + kUnavailable;
    constexpr std::uint64_t kAttempts = kMaxFails * kServers;  // every one a refused connect
    // A request that tried every server moved on after each failure but the last.
    constexpr std::uint64_t kRetries = kMaxFails * (kServers - 1);

    // What the clients sent and got, at the listener and at the pool their requests went to.
    for (const json* scope : {&listener, &pool}) {
        const auto& s = *scope;
        EXPECT_EQ(count(s, "requests"), kRequests) << s;
        EXPECT_EQ(status(s, "5xx"), kRequests) << s;
        EXPECT_EQ(status(s, "2xx") + status(s, "4xx"), 0u) << s;
        EXPECT_EQ(count(s, "bytes_in"), sent) << s;
        EXPECT_EQ(count(s, "bytes_out"), received) << s;
        EXPECT_EQ(count(s, "failures"), kAttempts) << s;
        EXPECT_EQ(count(s, "retries"), kRetries) << s;
    }
    // Each server: tried by the first kMaxFails requests, refused each time, nothing on the
    // wire. A refused attempt either moved the request on (a retry) or was its last (the 502
    // the client got counts there), so the servers' answers plus the pool's answers that
    // tried no server are the pool's answers.
    std::uint64_t server_retries = 0;
    std::uint64_t server_answers = 0;
    for (const auto& server : pool["servers"]) {
        EXPECT_EQ(count(server, "requests"), static_cast<std::uint64_t>(kMaxFails)) << server;
        EXPECT_EQ(count(server, "failures"), static_cast<std::uint64_t>(kMaxFails)) << server;
        EXPECT_EQ(count(server, "retries") + status(server, "5xx"), static_cast<std::uint64_t>(kMaxFails)) << server;
        EXPECT_EQ(count(server, "bytes_in"), 0u) << server;
        EXPECT_EQ(count(server, "bytes_out"), 0u) << server;
        server_retries += count(server, "retries");
        server_answers += status(server, "5xx");
    }
    EXPECT_EQ(server_retries, kRetries);
    EXPECT_EQ(server_answers, static_cast<std::uint64_t>(kMaxFails));

    // The Prometheus text says the same.
    const auto text = json::parse(admin.call(R"({"command":"metrics"})")).at("text").get<std::string>();
    EXPECT_EQ(sample(text, "fulcrum_proxy_pool_sent_bytes_total", "pool=\"app\""), static_cast<long long>(received)) << text;
    EXPECT_EQ(sample(text, "fulcrum_proxy_pool_received_bytes_total", "pool=\"app\""), static_cast<long long>(sent));
    EXPECT_EQ(sample(text, "fulcrum_proxy_pool_retries_total", "pool=\"app\""), static_cast<long long>(kRetries));
    EXPECT_EQ(sample(text, "fulcrum_proxy_pool_responses_total", "pool=\"app\",code=\"5xx\""), static_cast<long long>(kRequests));
}
