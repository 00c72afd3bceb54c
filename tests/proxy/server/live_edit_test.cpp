// Live control under load: edits through the admin handler while clients keep sending;
// nothing may fail. Plus draining, stats and metrics.
#include <atomic>
#include <chrono>
#include <thread>

#include "proxy/server/admin_handler.h"
#include "proxy_fixture.h"

using namespace fulcrum::proxy::testing;
using fulcrum::proxy::server::handle_admin_line;
using nlohmann::json;

class LiveEdit : public ProxyFixture {
protected:
    json admin(const json& request) {
        return json::parse(handle_admin_line(*proxy, request.dump()));
    }
};

TEST_F(LiveEdit, EditsAndConfigReplacementsUnderLoadLoseNothing) {
    add_upstreams(4);
    const json pool = {{"name", "app"}, {"servers", servers_json()}};
    const json config = pool_config(pool);
    start(config);
    std::atomic<bool> running{true};
    std::atomic<int> ok{0}, failed{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&] {
            // Keep-alive clients, bounded: one request at a time each.
            auto client = std::make_unique<TestClient>(port);
            while (running) {
                if (!client->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) {
                    ++failed;
                    client = std::make_unique<TestClient>(port);
                    continue;
                }
                const auto response = client->read_response();
                if (response.status == 200) {
                    ++ok;
                } else {
                    ++failed;
                    client = std::make_unique<TestClient>(port);
                }
            }
        });
    }
    const auto address = [&](int i) { return upstreams[static_cast<std::size_t>(i)]->address(); };
    for (int edit = 0; edit < 100; ++edit) {
        json answer;
        switch (edit % 5) {
            case 0: answer = admin({{"command", "set_server"}, {"pool", "app"}, {"address", address(edit % 4)}, {"weight", 1 + edit % 7}}); break;
            case 1: answer = admin({{"command", "set_server"}, {"pool", "app"}, {"address", address(edit % 4)}, {"state", "draining"}}); break;
            case 2: answer = admin({{"command", "set_server"}, {"pool", "app"}, {"address", address((edit - 1) % 4)}, {"state", "active"}}); break;
            case 3: answer = admin({{"command", "remove_server"}, {"pool", "app"}, {"address", address(3)}}); break;
            case 4: answer = admin({{"command", "add_server"}, {"pool", "app"}, {"server", {{"address", address(3)}}}}); break;
        }
        ASSERT_TRUE(answer["ok"].get<bool>()) << answer.dump();
        if (edit % 10 == 9) {
            answer = admin({{"command", "replace_config"}, {"config", config}});
            ASSERT_TRUE(answer["ok"].get<bool>()) << answer.dump();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    running = false;
    for (auto& t : clients) t.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_GT(ok.load(), 100);
}

TEST_F(LiveEdit, DrainingReportsInFlightUntilZero) {
    add_upstreams(2);
    upstreams[0]->set_delay_ms(600);
    upstreams[1]->set_delay_ms(600);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}}));
    std::thread slow([&] { EXPECT_EQ(http_get(port, "/").status, 200); });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    // Round robin sent the first request to u0.
    const auto u0 = upstreams[0]->address();
    auto answer = admin({{"command", "set_server"}, {"pool", "app"}, {"address", u0}, {"state", "draining"}});
    ASSERT_TRUE(answer["ok"].get<bool>());
    answer = admin({{"command", "server_status"}, {"pool", "app"}, {"address", u0}});
    EXPECT_EQ(answer["server"]["in_flight"], 1) << answer.dump();
    EXPECT_EQ(answer["server"]["state"], "draining");
    upstreams[1]->set_delay_ms(0);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(http_get(port, "/").headers["x-upstream"], "u1");
    slow.join();
    // The client can read the last byte a moment before the proxy's session finishes its
    // bookkeeping, so the count is polled (bounded) rather than read once.
    for (int i = 0; i < 200; ++i) {
        answer = admin({{"command", "server_status"}, {"pool", "app"}, {"address", u0}});
        if (answer["server"]["in_flight"] == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(answer["server"]["in_flight"], 0) << answer.dump();
}

TEST_F(LiveEdit, ReplaceConfigAddsAndRemovesListenersWithoutDroppingConnections) {
    add_upstreams(1);
    json config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    // A fixed port, so the new listener (port 0) is a different address.
    std::uint16_t fixed = 0;
    {
        TestUpstream probe("probe");
        fixed = probe.port();
    }
    config["listeners"][0]["address"] = "127.0.0.1:" + std::to_string(fixed);
    start(config);
    TestClient kept(port);
    kept.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_EQ(kept.read_response().status, 200);
    config["listeners"] = json::array({{{"name", "other"}, {"address", "127.0.0.1:0"}}});
    auto answer = admin({{"command", "replace_config"}, {"config", config}});
    ASSERT_TRUE(answer["ok"].get<bool>()) << answer.dump();
    const auto other = proxy->listener_endpoint("other");
    ASSERT_TRUE(other);
    EXPECT_EQ(http_get(other->port(), "/").status, 200);
    // The old listener is closed to new connections...
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(TestClient(port).connected());
    // ...but the open connection still works (its routes without a listener filter match).
    kept.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(kept.read_response().status, 200);
}

TEST_F(LiveEdit, InvalidChangesAreRefusedWithPaths) {
    add_upstreams(1);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}}));
    auto answer = admin({{"command", "replace_config"}, {"config", {{"pools", {{{"name", "app"}, {"servers", {{{"address", "nope"}}}}}}}}}});
    EXPECT_FALSE(answer["ok"].get<bool>());
    EXPECT_EQ(answer["errors"][0]["path"], "pools[0].servers[0].address") << answer.dump();
    answer = admin({{"command", "add_server"}, {"pool", "app"}, {"server", {{"address", "127.0.0.1:1"}, {"weight", 0}}}});
    EXPECT_FALSE(answer["ok"].get<bool>());
    EXPECT_EQ(answer["errors"][0]["path"], "server.weight") << answer.dump();
    answer = admin({{"command", "set_server"}, {"pool", "nope"}, {"address", "127.0.0.1:1"}, {"weight", 2}});
    EXPECT_FALSE(answer["ok"].get<bool>());
    // A listener that cannot bind changes nothing.
    auto config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    config["listeners"][0]["address"] = upstreams[0]->address();  // taken by the upstream
    answer = admin({{"command", "replace_config"}, {"config", config}});
    EXPECT_FALSE(answer["ok"].get<bool>()) << answer.dump();
    EXPECT_EQ(http_get(port, "/").status, 200);
}

TEST_F(LiveEdit, StatsAndMetricsCountWhatHappened) {
    add_upstreams(2);
    start(pool_config({{"name", "app"}, {"servers", servers_json()}}));
    for (int i = 0; i < 10; ++i) ASSERT_EQ(http_get(port, "/").status, 200);
    EXPECT_EQ(http_get(port, "/", "Host: y\r\n").status, 400);  // duplicate Host
    const auto stats = admin({{"command", "stats"}})["stats"];
    EXPECT_EQ(stats["listeners"][0]["requests"], 11) << stats.dump();
    EXPECT_EQ(stats["listeners"][0]["status"]["2xx"], 10);
    EXPECT_EQ(stats["listeners"][0]["status"]["4xx"], 1);
    EXPECT_EQ(stats["pools"][0]["requests"], 10);
    EXPECT_EQ(stats["pools"][0]["servers"][0]["requests"], 5);
    EXPECT_GT(stats["pools"][0]["latency_ms"]["p99"].get<double>(), 0.0);
    const auto text = admin({{"command", "metrics"}})["text"].get<std::string>();
    EXPECT_NE(text.find("fulcrum_proxy_listener_requests_total{listener=\"http\"} 11"), std::string::npos) << text;
    EXPECT_NE(text.find("fulcrum_proxy_pool_responses_total{pool=\"app\",code=\"2xx\"} 10"), std::string::npos);
    EXPECT_NE(text.find("fulcrum_proxy_server_request_duration_seconds_bucket"), std::string::npos);
    EXPECT_NE(text.find("# TYPE fulcrum_proxy_server_up gauge"), std::string::npos);
    const auto config = admin({{"command", "config"}});
    EXPECT_EQ(config["config"]["pools"][0]["servers"].size(), 2u);
}

TEST_F(LiveEdit, WebSocketSurvivesPoolEditsAndConfigReplacements) {
    add_upstreams(2);
    const json config = pool_config({{"name", "app"}, {"servers", servers_json()}});
    start(config);
    TestClient ws(port);
    ws.send("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    const auto switching = ws.read_response(true);
    ASSERT_EQ(switching.status, 101);
    EXPECT_EQ(switching.headers.at("upgrade"), "websocket");
    const auto echo = [&](const std::string& text) {
        ws.send(text);
        std::string got;
        while (got.size() < text.size()) {
            auto more = ws.read_all(300);
            if (more.empty()) break;
            got += more;
        }
        return got;
    };
    EXPECT_EQ(echo("frame-1"), "frame-1");
    const auto u0 = upstreams[0]->address();
    ASSERT_TRUE(admin({{"command", "set_server"}, {"pool", "app"}, {"address", u0}, {"weight", 5}})["ok"].get<bool>());
    ASSERT_TRUE(admin({{"command", "replace_pool"}, {"pool", {{"name", "app"}, {"servers", servers_json({2, 3})}}}})["ok"].get<bool>());
    EXPECT_EQ(echo("frame-2"), "frame-2");
    ASSERT_TRUE(admin({{"command", "replace_config"}, {"config", config}})["ok"].get<bool>());
    EXPECT_EQ(echo("frame-3"), "frame-3");
    // The upgrade headers reached the upstream.
    std::size_t upgrades = 0;
    for (auto& u : upstreams) {
        for (const auto& r : u->recorded()) {
            if (r.headers.count("upgrade")) {
                ++upgrades;
                EXPECT_EQ(r.headers.at("connection"), "upgrade");
                EXPECT_EQ(r.headers.at("sec-websocket-key"), "dGhlIHNhbXBsZSBub25jZQ==");
            }
        }
    }
    EXPECT_EQ(upgrades, 1u);
}
