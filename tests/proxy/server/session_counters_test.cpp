// The session's traffic counters against real upstream sockets: what each upstream saw on
// the wire is what its server's counters say, what the clients sent and got is what the pool's
// say, failures and retries are counted at every scope, and the Prometheus text carries the
// same numbers. The upstreams count their own bytes (test_http.h), so the expected numbers
// come from the other end of the socket.
#include <chrono>
#include <thread>

#include "proxy/server/admin_handler.h"
#include "proxy_fixture.h"

using namespace fulcrum::proxy::testing;
using fulcrum::proxy::server::handle_admin_line;
using nlohmann::json;

namespace {

class SessionCounters : public ProxyFixture {
protected:
    std::string metrics() {
        const auto answer = json::parse(handle_admin_line(*proxy, json{{"command", "metrics"}}.dump()));
        return answer.at("text").get<std::string>();
    }

    static std::uint64_t field(const json& scope, const char* name) { return scope.at(name).get<std::uint64_t>(); }

    // The proxy counts a tunnel's client-to-upstream bytes after its write completes, which
    // can be a moment after the upstream already echoed them; everything else is counted
    // before the client has its answer. Waits (bounded) until `done` holds.
    template <class Predicate>
    bool eventually(Predicate done) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (!done()) {
            if (std::chrono::steady_clock::now() > end) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    }

    // Each server's bytes equal to its upstream's own count; the pool's equal to its clients'
    // (the listener's: every request of these tests goes to the one pool).
    bool bytes_match() {
        const auto stats = proxy->stats();
        const auto& pool = stats["pools"][0];
        const auto& listener = stats["listeners"][0];
        for (std::size_t i = 0; i < upstreams.size(); ++i) {
            const auto& server = pool["servers"][i];
            if (field(server, "bytes_in") != upstreams[i]->received_bytes()) return false;
            if (field(server, "bytes_out") != upstreams[i]->sent_bytes()) return false;
        }
        return field(pool, "bytes_in") == field(listener, "bytes_in") && field(pool, "bytes_out") == field(listener, "bytes_out");
    }

    // Appended piece by piece: g++ 12 at -O3 reports a false -Wrestrict on `" " + std::string`
    // (GCC bug 105329), which would fail a release build under -Werror.
    std::string describe_bytes() {
        const auto stats = proxy->stats();
        std::string out = stats["pools"][0].dump();
        out += "\nlistener: ";
        out += stats["listeners"][0].dump();
        out += "\nupstreams:";
        for (auto& u : upstreams) {
            out += ' ';
            out += u->address();
            out += " received ";
            out += std::to_string(u->received_bytes());
            out += " sent ";
            out += std::to_string(u->sent_bytes());
        }
        return out;
    }
};

std::string chunked(const std::string& body, std::size_t piece) {
    std::string out;
    for (std::size_t at = 0; at < body.size(); at += piece) {
        const auto part = body.substr(at, piece);
        char size[20];
        std::snprintf(size, sizeof size, "%zx\r\n", part.size());
        out += size + part + "\r\n";
    }
    return out + "0\r\n\r\n";
}

TEST_F(SessionCounters, ServerBytesAreWhatTheUpstreamsSawAndPoolBytesWhatTheClientsSaw) {
    add_upstreams(2);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}}));
    TestClient client(port);
    ASSERT_TRUE(client.connected());
    // Bodies larger than the 32 KiB read buffer, so both directions take several reads: the
    // request body (Content-Length and re-framed chunked) and its echo in the response.
    const std::string big(100 * 1024, 'b');
    ASSERT_TRUE(client.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(client.read_response().status, 200);
    ASSERT_TRUE(client.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n" + big));
    auto response = client.read_response();
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.body.size(), big.size() + 3);  // "uN:" + the body
    ASSERT_TRUE(client.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(big, 7000)));
    response = client.read_response();
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.body.size(), big.size() + 3);
    ASSERT_TRUE(client.send("HEAD /d HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(client.read_response(true).status, 200);

    // Both upstreams served requests, so a swapped counter shows; the proxy rewrites heads
    // (X-Forwarded-For, hop-by-hop fields, chunked re-framing), so the client side and the
    // upstream side differ and a pool counting the upstream side shows too.
    ASSERT_GT(upstreams[0]->requests(), 0);
    ASSERT_GT(upstreams[1]->requests(), 0);
    EXPECT_GT(upstreams[0]->received_bytes() + upstreams[1]->received_bytes(), 2 * big.size());
    EXPECT_NE(proxy->stats()["listeners"][0]["bytes_in"].get<std::uint64_t>(),
              upstreams[0]->received_bytes() + upstreams[1]->received_bytes());
    EXPECT_TRUE(eventually([&] { return bytes_match(); })) << describe_bytes();

    const auto stats = proxy->stats();
    const auto& pool = stats["pools"][0];
    const auto text = metrics();
    EXPECT_NE(text.find("fulcrum_proxy_pool_received_bytes_total{pool=\"app\"} " + pool["bytes_in"].dump() + "\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("fulcrum_proxy_pool_sent_bytes_total{pool=\"app\"} " + pool["bytes_out"].dump() + "\n"),
              std::string::npos);
    for (std::size_t i = 0; i < upstreams.size(); ++i) {
        const auto labels = "{pool=\"app\",server=\"" + upstreams[i]->address() + "\"} ";
        EXPECT_NE(text.find("fulcrum_proxy_server_received_bytes_total" + labels + std::to_string(upstreams[i]->received_bytes()) + "\n"),
                  std::string::npos);
        EXPECT_NE(text.find("fulcrum_proxy_server_sent_bytes_total" + labels + std::to_string(upstreams[i]->sent_bytes()) + "\n"),
                  std::string::npos);
    }
    EXPECT_EQ(field(pool, "failures"), 0u);
    EXPECT_EQ(field(pool, "retries"), 0u);
}

TEST_F(SessionCounters, TunnelledBytesCountForTheServerAndPool) {
    add_upstreams(1);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}}));
    TestClient ws(port);
    ASSERT_TRUE(ws.send("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    ASSERT_EQ(ws.read_response(true).status, 101);
    const std::string frame(5000, 'w');
    ASSERT_TRUE(ws.send(frame));
    std::string echoed;
    while (echoed.size() < frame.size()) {
        const auto more = ws.read_some(2000);
        if (more.empty()) break;
        echoed += more;
    }
    ASSERT_EQ(echoed, frame);
    EXPECT_GT(upstreams[0]->received_bytes(), frame.size());
    EXPECT_TRUE(eventually([&] { return bytes_match(); })) << describe_bytes();
}

TEST_F(SessionCounters, RefusedAndResetUpstreamsCountFailuresAndRetriesEverywhere) {
    add_upstreams(3);
    upstreams[0]->stop();  // connection refused
    upstreams[1]->set_mode(TestUpstream::Mode::reset_before_answer);
    // max_fails 0: nothing is marked down, so round robin keeps trying both bad servers.
    start(pool_config({{"name", "app"}, {"servers", servers_json()}, {"max_fails", 0}}));
    for (int i = 0; i < 6; ++i) {
        const auto response = http_get(port, "/");
        ASSERT_EQ(response.status, 200) << i;
        EXPECT_EQ(response.headers.at("x-upstream"), "u2");
    }
    const auto stats = proxy->stats();
    const auto& pool = stats["pools"][0];
    const auto& listener = stats["listeners"][0];
    const auto& refused = pool["servers"][0];
    const auto& reset = pool["servers"][1];
    const auto& good = pool["servers"][2];
    // Every request went through each bad server at most once: each of those attempts is one
    // failure and one retry, wherever it is counted.
    const auto bad_attempts = field(refused, "failures") + field(reset, "failures");
    EXPECT_GT(field(refused, "failures"), 0u) << pool.dump();
    EXPECT_GT(field(reset, "failures"), 0u) << pool.dump();
    EXPECT_EQ(field(refused, "retries"), field(refused, "failures"));
    EXPECT_EQ(field(reset, "retries"), field(reset, "failures"));
    EXPECT_EQ(field(reset, "requests"), static_cast<std::uint64_t>(upstreams[1]->requests()));
    EXPECT_EQ(field(good, "failures"), 0u);
    EXPECT_EQ(field(good, "retries"), 0u);
    EXPECT_EQ(field(pool, "failures"), bad_attempts);
    EXPECT_EQ(field(pool, "retries"), bad_attempts);
    EXPECT_EQ(field(listener, "failures"), bad_attempts);
    EXPECT_EQ(field(listener, "retries"), bad_attempts);
    EXPECT_EQ(field(pool, "requests"), 6u);

    const auto text = metrics();
    const auto n = std::to_string(bad_attempts) + "\n";
    EXPECT_NE(text.find("fulcrum_proxy_pool_failures_total{pool=\"app\"} " + n), std::string::npos) << text;
    EXPECT_NE(text.find("fulcrum_proxy_pool_retries_total{pool=\"app\"} " + n), std::string::npos);
    EXPECT_NE(text.find("fulcrum_proxy_listener_failures_total{listener=\"http\"} " + n), std::string::npos);
    EXPECT_NE(text.find("fulcrum_proxy_listener_retries_total{listener=\"http\"} " + n), std::string::npos);
    const auto refused_labels = "{pool=\"app\",server=\"" + upstreams[0]->address() + "\"} ";
    EXPECT_NE(text.find("fulcrum_proxy_server_failures_total" + refused_labels + refused["failures"].dump() + "\n"),
              std::string::npos);
}

// A request body that turns out malformed half-way is answered 400 by the proxy itself,
// after the request went to a server: the answer and its bytes are the pool's (its clients
// got them), not the server's (it sent nothing back and did not fail).
TEST_F(SessionCounters, TheProxysOwnAnswerToABrokenBodyCountsForThePool) {
    add_upstreams(1);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}}));
    TestClient client(port);
    ASSERT_TRUE(client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n"));
    EXPECT_EQ(client.read_response().status, 400);
    client.read_all(2000);  // the proxy closes after a 400: everything is counted by then
    const auto stats = proxy->stats();
    const auto& pool = stats["pools"][0];
    const auto& listener = stats["listeners"][0];
    const auto& server = pool["servers"][0];
    EXPECT_EQ(pool["status"]["4xx"], 1) << pool;
    EXPECT_EQ(listener["status"]["4xx"], 1) << listener;
    EXPECT_EQ(server["status"]["4xx"], 0) << server;
    EXPECT_EQ(field(server, "requests"), 1u);
    EXPECT_EQ(field(server, "failures"), 0u);
    EXPECT_TRUE(eventually([&] { return bytes_match(); })) << describe_bytes();
}

}  // namespace
