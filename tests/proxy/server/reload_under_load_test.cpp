// Issue 3's reload-under-load proof on the real binary: `fulcrum-agent proxy --config FILE
// --admin-socket PATH` in front of four waitress workers, wrk through it, while 100 live
// edits and 10 whole-config replacements arrive over the admin socket as the agent sends
// them. wrk must see no socket error (connect, read — which is where a reset or a dropped
// keep-alive connection shows —, write, timeout) and no answer outside 2xx/3xx. A WebSocket
// opened before the edits keeps echoing through all of them (item 5). The control test runs
// the same harness against edits that do break traffic and requires wrk to report it, so a
// green run cannot come from a harness that sees nothing. Each runs on both event loops.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#if defined(FULCRUM_TEST_IO_URING)
#include "proxy/server/uring/ring_setup.h"
#endif
#include "test_child.h"
#include "tests/proxy/admin/admin_test_client.h"
#include "wrk_report.h"

using namespace fulcrum::proxy::testing;
using fulcrum::proxy::admin::testing::AdminClient;
using nlohmann::json;

namespace {

constexpr int kWorkers = 4;
constexpr int kEdits = 100;
constexpr int kReplacements = 10;

// Without reaping it: Child::wait_exit collects the status later.
bool running(const Child& child) {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(child.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

// The parameter is the proxy's --event-loop.
class ReloadUnderLoad : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (GetParam() == "io_uring") {
#if defined(FULCRUM_TEST_IO_URING)
            if (const auto why = fulcrum_io_shared::io_uring_unavailable_reason(); !why.empty()) {
                GTEST_SKIP() << "this host cannot run the io_uring event loop: " << why;
            }
#else
            GTEST_SKIP() << "built without the io_uring copy (FULCRUM_IO_URING=OFF)";
#endif
        }
        ::signal(SIGPIPE, SIG_IGN);
        char pattern[] = "/tmp/fulcrum-reload-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_dir = pattern;
        for (int i = 0; i < kWorkers; ++i) {
            const auto port = free_port();
            m_worker_ports.push_back(port);
            m_workers.push_back(std::make_unique<Child>(
                std::vector<std::string>{"/usr/bin/waitress-serve", "--listen=127.0.0.1:" + std::to_string(port),
                                         "--threads=8", "demo_app:application"},
                FULCRUM_DEMO_DIR));
        }
        for (const auto port : m_worker_ports) ASSERT_TRUE(wait_connectable(port)) << "waitress on " << port;
        m_port = free_port();
    }

    void TearDown() override {
        m_admin.reset();
        m_proxy.reset();
        m_workers.clear();
        m_websocket_upstream.stop();
        std::filesystem::remove_all(m_dir);
    }

    std::string worker(int i) const { return "127.0.0.1:" + std::to_string(m_worker_ports[static_cast<std::size_t>(i)]); }

    json app_pool(int variant) const {
        json servers = json::array();
        for (int i = 0; i < kWorkers; ++i) servers.push_back({{"address", worker(i)}, {"weight", 1 + (i + variant) % 3}});
        json pool = {{"name", "app"}, {"balance", variant % 2 ? "least_conn" : "round_robin"}, {"servers", servers}};
        if (variant % 3 == 2) {
            pool["health"] = {{"path", "/healthz"}, {"interval_ms", 500}, {"timeout_ms", 400}, {"rise", 1}, {"fall", 3}};
        }
        return pool;
    }

    // Each replacement differs from the last in listeners, routes and the app pool, so every
    // one of them really rebuilds the snapshot; the web listener and the WebSocket's route
    // and pool stay, as item 5 asks ("replacements that do not touch its route").
    json config(int variant) const {
        json listeners = json::array({{{"name", "web"}, {"address", "127.0.0.1:" + std::to_string(m_port)}}});
        json routes = json::array({{{"path_prefix", "/ws/"}, {"pool", "ws"}}, {{"path_prefix", "/"}, {"pool", "app"}}});
        if (variant % 2) {
            listeners.push_back({{"name", "extra"}, {"address", "127.0.0.1:0"}});
            routes.insert(routes.begin(), json{{"path_prefix", "/static/"}, {"static", {{"root", std::string(FULCRUM_DEMO_DIR) + "/static"}}}});
        }
        return {{"threads", 2},
                {"listeners", listeners},
                {"routes", routes},
                {"pools", {app_pool(variant), {{"name", "ws"}, {"servers", {{{"address", m_websocket_upstream.address()}}}}}}}};
    }

    void start_proxy(const json& document) {
        const auto file = m_dir + "/config.json";
        std::ofstream(file) << document.dump(2);
        const auto socket = m_dir + "/proxy.sock";
        m_proxy = std::make_unique<Child>(std::vector<std::string>{FULCRUM_AGENT_BINARY, "proxy", "--config", file,
                                                                   "--admin-socket", socket, "--allow-root",
                                                                   "--event-loop", GetParam()});
        ASSERT_EQ(port_of(m_proxy->wait_line("listener web on")), m_port);
        struct stat info {};
        ASSERT_EQ(::lstat(socket.c_str(), &info), 0);
        EXPECT_EQ(info.st_mode & 0777, 0600u) << "the admin socket is for our own uid only";
        m_admin = std::make_unique<AdminClient>(socket);
        ASSERT_TRUE(m_admin->connected());
    }

    json admin(const json& request) {
        const auto line = m_admin->call(request.dump());
        if (line.empty()) return {{"ok", false}, {"error", "no answer from the admin socket"}};
        return json::parse(line);
    }

    std::unique_ptr<Child> wrk(int seconds, int connections, bool close_each) {
        std::vector<std::string> argv = {"/usr/bin/wrk", "-t1", "-c" + std::to_string(connections),
                                         "-d" + std::to_string(seconds) + "s", "--timeout", "10s"};
        if (close_each) argv.insert(argv.end(), {"-H", "Connection: close"});
        argv.push_back("http://127.0.0.1:" + std::to_string(m_port) + "/api/whoami");
        return std::make_unique<Child>(argv);
    }

    static WrkReport finish(Child& load, int timeout_ms) {
        EXPECT_EQ(load.wait_exit(timeout_ms), 0) << "wrk did not finish";
        const auto& text = load.drain(2000);
        const auto report = parse_wrk_report(text);
        EXPECT_TRUE(report.complete) << "wrk printed no summary:\n" << text;
        return report;
    }

    std::string m_dir;
    std::vector<std::uint16_t> m_worker_ports;
    std::vector<std::unique_ptr<Child>> m_workers;
    TestUpstream m_websocket_upstream{"ws"};
    std::uint16_t m_port = 0;
    std::unique_ptr<Child> m_proxy;
    std::unique_ptr<AdminClient> m_admin;
};

// A WebSocket-style tunnel through the proxy (the upstream echoes after its 101).
class Tunnel {
public:
    explicit Tunnel(std::uint16_t port) : m_client(port) {}
    bool open() {
        m_client.send("GET /ws/chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        return m_client.read_response(true).status == 101;
    }
    std::string echo(const std::string& text) {
        if (!m_client.send(text)) return "(send failed)";
        std::string got;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (got.size() < text.size() && std::chrono::steady_clock::now() < deadline) {
            auto more = m_client.read_some(500);
            if (more.empty()) continue;
            got += more;
        }
        return got;
    }

private:
    TestClient m_client;
};

TEST(WrkReport, ReadsErrorsAndFailuresAndKnowsAnIncompleteRun) {
    const auto clean = parse_wrk_report(
        "Running 8s test @ http://127.0.0.1:1/\n  1 threads and 8 connections\n"
        "  20480 requests in 8.00s, 3.1MB read\nRequests/sec:   2559.93\nTransfer/sec:    397.12KB\n");
    EXPECT_TRUE(clean.complete);
    EXPECT_EQ(clean.requests, 20480u);
    EXPECT_EQ(clean.socket_errors(), 0u);
    EXPECT_EQ(clean.non_2xx_3xx, 0u);
    const auto broken = parse_wrk_report(
        "  512 requests in 8.00s, 80KB read\n  Socket errors: connect 7, read 3, write 2, timeout 1\n"
        "  Non-2xx or 3xx responses: 40\nRequests/sec:     64.00\n");
    EXPECT_TRUE(broken.complete);
    EXPECT_EQ(broken.connect_errors, 7u);
    EXPECT_EQ(broken.read_errors, 3u);
    EXPECT_EQ(broken.write_errors, 2u);
    EXPECT_EQ(broken.timeouts, 1u);
    EXPECT_EQ(broken.socket_errors(), 13u);
    EXPECT_EQ(broken.non_2xx_3xx, 40u);
    EXPECT_FALSE(parse_wrk_report("unable to connect to 127.0.0.1:1 Connection refused\n").complete);
}

TEST_P(ReloadUnderLoad, WrkSeesNoFailureWhile100EditsAnd10ConfigReplacementsApply) {
    start_proxy(config(0));
    Tunnel tunnel(m_port);
    ASSERT_TRUE(tunnel.open());
    EXPECT_EQ(tunnel.echo("frame-0"), "frame-0");

    // Keep-alive clients (a reset or closed connection is a read error) and clients that open
    // a new connection per request (a listener that stops accepting is a connect error).
    constexpr int kSeconds = 8;
    auto keep_alive = wrk(kSeconds, 8, false);
    auto new_each_time = wrk(kSeconds, 4, true);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // wrk's connections are up

    int applied = 0;
    for (int edit = 0; edit < kEdits; ++edit) {
        const int i = (edit / 10) % kWorkers;  // the server this round drains and reweights
        const int j = (i + 1) % kWorkers;      // and the one it disables
        json request;
        switch (edit % 10) {
            case 0: request = {{"command", "set_server"}, {"pool", "app"}, {"address", worker(i)}, {"weight", 1 + edit % 7}}; break;
            case 1: request = {{"command", "set_server"}, {"pool", "app"}, {"address", worker(i)}, {"state", "draining"}}; break;
            case 2: request = {{"command", "set_server"}, {"pool", "app"}, {"address", worker(i)}, {"state", "active"}}; break;
            case 3: request = {{"command", "remove_server"}, {"pool", "app"}, {"address", worker(3)}}; break;
            case 4: request = {{"command", "add_server"}, {"pool", "app"}, {"server", {{"address", worker(3)}, {"weight", 2}}}}; break;
            case 5: request = {{"command", "set_server"}, {"pool", "app"}, {"address", worker(j)}, {"state", "disabled"}}; break;
            case 6: request = {{"command", "set_server"}, {"pool", "app"}, {"address", worker(j)}, {"state", "active"}, {"weight", 3}}; break;
            case 7: {
                auto pool = app_pool(edit / 10);
                pool["balance"] = "random_two";
                request = {{"command", "replace_pool"}, {"pool", pool}};
                break;
            }
            case 8: request = {{"command", "set_server"}, {"pool", "app"}, {"address", worker(i)}, {"state", "active"}, {"weight", 1}}; break;
            case 9: request = {{"command", "replace_pool"}, {"pool", app_pool(edit / 10)}}; break;
        }
        const auto answer = admin(request);
        ASSERT_TRUE(answer.value("ok", false)) << request.dump() << " -> " << answer.dump();
        ++applied;
        if (edit % 10 == 9) {
            const auto replaced = admin({{"command", "replace_config"}, {"config", config(edit / 10 + 1)}});
            ASSERT_TRUE(replaced.value("ok", false)) << replaced.dump();
            ++applied;
            EXPECT_EQ(tunnel.echo("frame-" + std::to_string(edit / 10 + 1)), "frame-" + std::to_string(edit / 10 + 1));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(applied, kEdits + kReplacements);
    // Every edit landed while both load generators were still running, or this proves nothing.
    EXPECT_TRUE(running(*keep_alive)) << "the edits took longer than wrk ran: raise kSeconds";
    EXPECT_TRUE(running(*new_each_time));

    const auto kept = finish(*keep_alive, (kSeconds + 20) * 1000);
    const auto fresh = finish(*new_each_time, 20000);
    std::printf("wrk keep-alive: %s\nwrk connection per request: %s\n", describe(kept).c_str(), describe(fresh).c_str());
    EXPECT_EQ(kept.socket_errors(), 0u) << "keep-alive: " << describe(kept);
    EXPECT_EQ(kept.non_2xx_3xx, 0u) << "keep-alive: " << describe(kept);
    EXPECT_EQ(fresh.socket_errors(), 0u) << "connection per request: " << describe(fresh);
    EXPECT_EQ(fresh.non_2xx_3xx, 0u) << "connection per request: " << describe(fresh);
    // Enough traffic that the edits met requests in flight (a few hundred per second here).
    EXPECT_GT(kept.requests, 500u);
    EXPECT_GT(fresh.requests, 100u);
    EXPECT_EQ(tunnel.echo("last-frame"), "last-frame");

    // The proxy's own count agrees: nothing answered 5xx, nothing lost between it and wrk.
    const auto stats = admin({{"command", "stats"}});
    ASSERT_TRUE(stats.value("ok", false)) << stats.dump();
    const auto& web = stats["stats"]["listeners"][0];
    EXPECT_EQ(web["name"], "web");
    EXPECT_EQ(web["status"]["5xx"], 0) << web.dump();
    EXPECT_EQ(web["status"]["4xx"], 0) << web.dump();
    EXPECT_GE(web["requests"].get<std::uint64_t>(), kept.requests + fresh.requests);
    // The last replacement is what runs now: variant 10 has no extra listener.
    EXPECT_EQ(stats["stats"]["listeners"].size(), 1u);
    const auto running_config = admin({{"command", "config"}});
    EXPECT_EQ(running_config["config"]["pools"][0]["servers"].size(), static_cast<std::size_t>(kWorkers));
}

// The harness must be able to go red: the same wrk runs and admin socket, with edits that
// really break traffic — every server disabled (503s), then the listener removed (new
// connections refused) — and wrk has to report both.
TEST_P(ReloadUnderLoad, ControlRunWithBreakingEditsIsReportedAsFailures) {
    start_proxy(config(0));
    constexpr int kSeconds = 4;
    auto keep_alive = wrk(kSeconds, 2, false);
    auto new_each_time = wrk(kSeconds, 2, true);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    for (int i = 0; i < kWorkers; ++i) {
        ASSERT_TRUE(admin({{"command", "set_server"}, {"pool", "app"}, {"address", worker(i)}, {"state", "disabled"}})
                        .value("ok", false));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto without_web = config(1);
    without_web["listeners"].erase(0);
    ASSERT_TRUE(admin({{"command", "replace_config"}, {"config", without_web}}).value("ok", false));
    EXPECT_TRUE(running(*new_each_time));
    const auto kept = finish(*keep_alive, (kSeconds + 20) * 1000);
    const auto fresh = finish(*new_each_time, 20000);
    EXPECT_GT(kept.non_2xx_3xx, 0u) << "503s from a pool with no active server went unseen: " << describe(kept);
    // A non-blocking connect to a closed port fails on wrk's first write, so it may count
    // as a write error rather than a connect error.
    EXPECT_GT(fresh.socket_errors(), 0u) << "a removed listener went unseen: " << describe(fresh);
}

INSTANTIATE_TEST_SUITE_P(EventLoop, ReloadUnderLoad, ::testing::Values("epoll", "io_uring"),
                         [](const ::testing::TestParamInfo<std::string>& loop) { return loop.param; });

}  // namespace
