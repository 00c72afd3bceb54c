// Balancing, health, all-down answers and retry rules against real upstream sockets.
#include <chrono>
#include <thread>

#include "proxy_fixture.h"

using namespace fulcrum::proxy::testing;
using nlohmann::json;

class Balancing : public ProxyFixture {};

TEST_F(Balancing, SmoothWeightedRoundRobinFollowsWeights) {
    add_upstreams(3);
    start(pool_config({{"name", "app"}, {"servers", servers_json({1, 2, 1})}}));
    const auto counts = distribution(40);
    EXPECT_EQ(counts.at("u0"), 10);
    EXPECT_EQ(counts.at("u1"), 20);
    EXPECT_EQ(counts.at("u2"), 10);
}

TEST_F(Balancing, HashOnUriIsStickyAndSpreads) {
    add_upstreams(4);
    start(pool_config({{"name", "app"}, {"balance", "hash"}, {"hash_key", "uri"}, {"servers", servers_json()}}));
    std::set<std::string> used;
    for (int k = 0; k < 20; ++k) {
        const std::string target = "/item/" + std::to_string(k);
        const auto first = http_get(port, target).headers["x-upstream"];
        ASSERT_FALSE(first.empty());
        for (int again = 0; again < 3; ++again) EXPECT_EQ(http_get(port, target).headers["x-upstream"], first);
        used.insert(first);
    }
    EXPECT_GE(used.size(), 3u);
}

TEST_F(Balancing, IpHashAndCookieHashAreSticky) {
    add_upstreams(3);
    start(pool_config({{"name", "app"}, {"balance", "ip_hash"}, {"servers", servers_json()}}));
    const auto counts = distribution(12);
    EXPECT_EQ(counts.size(), 1u);
    proxy->stop();
    start(pool_config({{"name", "app"}, {"balance", "hash"}, {"hash_key", "cookie:sid"}, {"servers", servers_json()}}));
    const auto a = http_get(port, "/", "Cookie: x=1; sid=alice\r\n").headers["x-upstream"];
    for (int i = 0; i < 5; ++i) EXPECT_EQ(http_get(port, "/" + std::to_string(i), "Cookie: sid=alice\r\n").headers["x-upstream"], a);
}

TEST_F(Balancing, LeastConnAvoidsTheBusyServer) {
    add_upstreams(2);
    upstreams[0]->set_delay_ms(300);
    start(pool_config({{"name", "app"}, {"balance", "least_conn"}, {"servers", servers_json()}}));
    // Four clients in a loop: whenever u0 holds a slow request, the fast u1 takes the rest.
    std::atomic<int> failed{0};
    auto loop = [&] {
        for (int i = 0; i < 10; ++i) failed += http_get(port, "/").status != 200;
    };
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) clients.emplace_back(loop);
    for (auto& t : clients) t.join();
    EXPECT_EQ(failed.load(), 0);
    // Round robin would give 20/20; ties between idle servers are random, so allow slack.
    EXPECT_LE(upstreams[0]->requests(), 12);
    EXPECT_GE(upstreams[1]->requests(), 28);
}

TEST_F(Balancing, RandomTwoUsesEveryServer) {
    add_upstreams(3);
    start(pool_config({{"name", "app"}, {"balance", "random_two"}, {"servers", servers_json()}}));
    const auto counts = distribution(60);
    EXPECT_EQ(counts.count("failed"), 0u);
    EXPECT_EQ(counts.size(), 3u);
}

TEST_F(Balancing, BackupOnlyWhenPrimariesAreDown) {
    add_upstreams(2);
    auto servers = servers_json();
    servers[1]["backup"] = true;
    start(pool_config({{"name", "app"}, {"servers", servers}, {"max_fails", 1}}));
    EXPECT_EQ(distribution(5).at("u0"), 5);
    upstreams[0]->stop();  // connect refused from now on
    EXPECT_EQ(distribution(5).at("u1"), 5);
}

TEST_F(Balancing, ActiveHealthChecksTakeServersOutAndBack) {
    add_upstreams(2);
    start(pool_config({{"name", "app"},
                       {"servers", servers_json()},
                       {"health", {{"path", "/healthz"}, {"interval_ms", 50}, {"timeout_ms", 40}, {"rise", 2}, {"fall", 2}}}}));
    // Polls the server's health as the proxy reports it (bounded; a loaded machine is slow).
    const auto wait_healthy = [&](bool want) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < end) {
            if (proxy->stats()["pools"][0]["servers"][1]["healthy"].get<bool>() == want) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    };
    upstreams[1]->set_mode(TestUpstream::Mode::fail_status);  // health answers 500 too
    ASSERT_TRUE(wait_healthy(false));
    const auto down = distribution(6);
    EXPECT_EQ(down.at("u0"), 6);
    EXPECT_GE(upstreams[1]->health_requests(), 2);
    upstreams[1]->set_mode(TestUpstream::Mode::normal);
    ASSERT_TRUE(wait_healthy(true));
    const auto up = distribution(6);
    EXPECT_EQ(up.at("u0"), 3);
    EXPECT_EQ(up.at("u1"), 3);
}

TEST_F(Balancing, AllDownAnswers502AtOnceAndEmptyPool503) {
    add_upstreams(2);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}, {"max_fails", 1}, {"fail_timeout_ms", 60000}}));
    upstreams[0]->stop();
    upstreams[1]->stop();
    auto started = std::chrono::steady_clock::now();
    auto response = http_get(port, "/");
    EXPECT_EQ(response.status, 502);
    EXPECT_NE(response.body.find("app"), std::string::npos) << response.body;
    // Both are marked down now: the answer comes without trying them.
    started = std::chrono::steady_clock::now();
    response = http_get(port, "/");
    EXPECT_EQ(response.status, 502);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));

    json config = pool_config({{"name", "app"}, {"servers", json::array()}});
    auto parsed = fulcrum::proxy::config::read_config(config);
    std::vector<fulcrum::proxy::config::ConfigError> errors;
    ASSERT_TRUE(proxy->replace_config(*parsed.config, errors));
    response = http_get(port, "/");
    EXPECT_EQ(response.status, 503);
    EXPECT_NE(response.body.find("no active server"), std::string::npos) << response.body;
}

TEST_F(Balancing, ConnectFailureMovesToTheNextServer) {
    add_upstreams(2);
    upstreams[0]->stop();
    start(pool_config({{"name", "app"}, {"servers", servers_json()}, {"max_fails", 0}}));
    const auto counts = distribution(10);
    EXPECT_EQ(counts.at("u1"), 10);
    EXPECT_EQ(proxy->stats()["pools"][0]["retries"].get<int>(), 5);
}

TEST_F(Balancing, IdempotentRequestRetriedOnceNonIdempotentNever) {
    add_upstreams(2);
    upstreams[0]->set_mode(TestUpstream::Mode::reset_before_answer);
    upstreams[1]->set_mode(TestUpstream::Mode::reset_before_answer);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}, {"max_fails", 0}}));
    // GET: tried on one, retried once on the other, then 502.
    auto response = http_get(port, "/");
    EXPECT_EQ(response.status, 502);
    EXPECT_EQ(upstreams[0]->requests() + upstreams[1]->requests(), 2);
    // POST: reached a server once and is never replayed.
    TestClient client(port);
    client.send("POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    response = client.read_response();
    EXPECT_EQ(response.status, 502);
    int posts = 0;
    for (auto& u : upstreams) {
        for (const auto& r : u->recorded()) posts += r.method == "POST";
    }
    EXPECT_EQ(posts, 1);
    // With one healthy server, the GET succeeds through the retry.
    upstreams[1]->set_mode(TestUpstream::Mode::normal);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(http_get(port, "/").status, 200);
}

TEST_F(Balancing, UpstreamKeepAliveIsReused) {
    add_upstreams(1);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}}));
    TestClient client(port);
    for (int i = 0; i < 20; ++i) {
        client.send("GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        EXPECT_EQ(client.read_response().status, 200);
    }
    // One loop thread served this client, so one upstream connection carried all 20.
    EXPECT_EQ(upstreams[0]->connections(), 1);
    EXPECT_EQ(upstreams[0]->requests(), 20);
}

// Upstream connections that the server closed while they sat in the keep-alive pool never
// fail a request: a GET on one is retried on a fresh connection, a POST never reaches one.
TEST_F(Balancing, StaleKeepAliveConnectionsNeverFailRequests) {
    add_upstreams(1);
    upstreams[0]->set_mode(TestUpstream::Mode::close_after_answer);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}, {"max_fails", 1}}));
    TestClient client(port);
    for (int i = 0; i < 10; ++i) {
        const bool post = i % 2 == 1;
        // The pause lets the upstream's FIN arrive before the next request, as it would in
        // production; a POST must find the connection closed and open another one.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        client.send(post ? "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
                         : "GET /g HTTP/1.1\r\nHost: x\r\n\r\n");
        const auto response = client.read_response();
        EXPECT_EQ(response.status, 200) << "request " << i;
        if (post) {
            EXPECT_EQ(response.body, "u0:hi");
        }
    }
    EXPECT_EQ(upstreams[0]->requests(), 10);
    EXPECT_EQ(upstreams[0]->connections(), 10);
}

// A connection that sat idle long enough for the server's own idle timeout may hold stray
// bytes (an unsolicited 408); they are never taken for the next request's answer.
TEST_F(Balancing, StrayBytesOnAnIdleUpstreamConnectionAreNotAnAnswer) {
    add_upstreams(1);
    upstreams[0]->set_mode(TestUpstream::Mode::stray_408_when_idle);
    upstreams[0]->set_idle_close_ms(1100);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}}));
    TestClient client(port);
    client.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(client.read_response().status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    client.send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto response = client.read_response();
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.headers.at("x-upstream"), "u0");
    EXPECT_EQ(upstreams[0]->requests(), 2);
}

TEST_F(Balancing, SlowUpstreamGets504) {
    add_upstreams(1);
    upstreams[0]->set_delay_ms(1500);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}, {"response_timeout_ms", 300}}));
    const auto started = std::chrono::steady_clock::now();
    const auto response = http_get(port, "/");
    EXPECT_EQ(response.status, 504);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1200));
}
