// The proxy as the daemon's supervised child, with real waitress workers behind it: apply
// starts it and routes to the followed group, a killed proxy comes back, scale-down drains,
// a rejected config changes nothing, traffic shows up in metrics.
#include "tests/agent/support/worker_helpers.h"

#include <gtest/gtest.h>

#include "agent/util/run_command.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <set>

namespace fulcrum::agent::test_support {
namespace {

using namespace std::chrono_literals;
namespace method = protocol::method;
using nlohmann::json;
using protocol::GroupState;

bool proxy_command_exists() {
    const auto help = run_command({agent_binary(), "proxy", "--help"}, 10s);
    return help.ok() && help.output.find("--admin-socket") != std::string::npos;
}

json host_config(int listen_port, int worker_base, int count) {
    return {{"listeners", {{{"name", "http"}, {"address", "127.0.0.1:" + std::to_string(listen_port)}}}},
            {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
            {"pools", {{{"name", "app"}, {"follow_workers", "web"}}}},
            {"workers", {waitress_group("web", worker_base, count)}}};
}

class ProxySupervisorTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!proxy_command_exists()) GTEST_SKIP() << "`fulcrum-agent proxy` is not in this build yet";
        ASSERT_TRUE(daemon.start());
        agent.emplace(daemon.connect());
        listen_port = free_port_range(1);
        worker_base = free_port_range(3);
    }
    protocol::ProxyStatus proxy_status() { return agent->call<method::ProxyStatusGet>({}).value(); }
    // The pids that answered `n` requests through the proxy.
    std::set<std::string> served_by(int n) {
        std::set<std::string> pids;
        for (int i = 0; i < n; ++i) {
            std::string body;
            if (http_status(listen_port, "/", &body) != 200) continue;
            const auto at = body.find("<dd id=\"pid\">");
            if (at != std::string::npos) pids.insert(body.substr(at + 13, body.find('<', at + 13) - at - 13));
        }
        return pids;
    }

    TempDir temp;
    TestDaemon daemon{temp.path() / "state"};
    std::optional<AgentConnection> agent;
    int listen_port = 0;
    int worker_base = 0;
};

TEST_F(ProxySupervisorTest, ApplyStartsTheProxyInFrontOfTheWorkersAndRestartsItWhenKilled) {
    const auto applied = apply_config(*agent, host_config(listen_port, worker_base, 2));
    EXPECT_TRUE(applied.proxy_reloaded) << json(applied).dump();
    auto status = proxy_status();
    EXPECT_TRUE(status.configured);
    EXPECT_TRUE(status.running);
    EXPECT_EQ(status.config_version, 1);
    ASSERT_TRUE(wait_for_group(*agent, "web", [](const auto& g) { return g.state == GroupState::running; }, 30s));
    // Each joins the pool once healthy, a moment after workers.list says so.
    EXPECT_TRUE(eventually([&] { return served_by(10).size() == 2; }, 10s)) << "both workers behind the proxy answer";

    // The effective config the proxy was given lists the group's ports as servers.
    const auto effective = json::parse(read_small_file(daemon.state_dir() / "proxy" / "config.json").value_or("{}"));
    ASSERT_EQ(effective["pools"][0]["servers"].size(), 2u);
    EXPECT_FALSE(effective.contains("workers"));

    agent->notifications().clear();
    ASSERT_EQ(::kill(static_cast<pid_t>(status.pid), SIGKILL), 0);
    ASSERT_TRUE(eventually([&] {
        auto now = proxy_status();
        return now.running && now.pid != status.pid && now.config_version == 1;
    }, 15s));
    auto again = proxy_status();
    EXPECT_EQ(again.restarts, 1);
    ASSERT_TRUE(again.last_exit);
    EXPECT_NE(again.last_exit->find("SIGKILL"), std::string::npos) << *again.last_exit;
    EXPECT_TRUE(agent->wait_notification("proxy.changed", 5s));
    EXPECT_TRUE(eventually([&] { return served_by(4).size() == 2; }, 10s));
    auto log = agent->call<method::LogsTail>({{"proxy", {}}, 50});
    ASSERT_TRUE(log.ok());
    EXPECT_FALSE(log.value().lines.empty());
}

TEST_F(ProxySupervisorTest, ScaleUpAddsServersScaleDownDrainsThemAndTrafficIsMeasured) {
    ASSERT_TRUE(apply_config(*agent, host_config(listen_port, worker_base, 1)).proxy_reloaded);
    ASSERT_TRUE(wait_for_group(*agent, "web", [](const auto& g) { return g.state == GroupState::running; }, 30s));
    ASSERT_TRUE(agent->call<method::WorkersScale>({"web", 3}, 30s).ok());
    ASSERT_TRUE(wait_for_group(*agent, "web", [](const auto& g) { return g.state == GroupState::running && g.instances.size() == 3; }, 30s));
    EXPECT_TRUE(eventually([&] { return served_by(12).size() == 3; }, 10s));
    EXPECT_EQ(proxy_status().config_version, 2);

    ASSERT_TRUE(agent->call<method::WorkersScale>({"web", 1}, 30s).ok());
    // Requests keep being answered while two instances drain and stop.
    int failures = 0;
    const bool shrunk = eventually([&] {
        if (http_status(listen_port, "/") != 200) ++failures;
        const auto effective = json::parse(read_small_file(daemon.state_dir() / "proxy" / "config.json").value_or("{}"));
        auto group = agent->call<method::WorkersList>({"web"}).value().groups.at(0);
        return effective["pools"][0]["servers"].size() == 1 && group.instances.size() == 1;
    }, 30s);
    EXPECT_TRUE(shrunk) << read_small_file(daemon.state_dir() / "proxy" / "config.json").value_or("") << "\n"
                        << json(agent->call<method::WorkersList>({"web"}).value()).dump() << "\n"
                        << daemon.log_text();
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(served_by(4).size(), 1u);

    // Traffic through the proxy appears in the metrics as requests per second.
    // Traffic keeps flowing while the 1 Hz sampler is watched: one burst can fall between two
    // samples of a busy machine and show as a rate in neither.
    bool seen = false;
    for (int i = 0; i < 10 && !seen; ++i) {
        for (int r = 0; r < 30; ++r) http_status(listen_port, "/");
        std::this_thread::sleep_for(1s);
        const auto history = agent->call<method::MetricsHistory>({std::nullopt, 5});
        ASSERT_TRUE(history.ok());
        for (const auto& sample : history.value().samples) {
            if (!sample.proxy_running || sample.pools.empty()) continue;
            if (sample.pools[0].name == "app" && sample.pools[0].traffic.requests_per_s > 0) seen = true;
        }
    }
    EXPECT_TRUE(seen);
}

TEST_F(ProxySupervisorTest, RejectedConfigChangesNothingAndNoListenersStopsTheProxy) {
    ASSERT_TRUE(apply_config(*agent, host_config(listen_port, worker_base, 1)).proxy_reloaded);
    const auto before = proxy_status();
    auto bad = host_config(listen_port, worker_base, 1);
    bad["listeners"][0]["address"] = "not an address";
    protocol::ConfigApplyParams params;
    params.config.document = bad;
    auto refused = agent->call<method::ConfigApply>(params);
    ASSERT_FALSE(refused.ok());
    EXPECT_TRUE(refused.error().is(protocol::ErrorCode::ConfigInvalid));
    EXPECT_EQ(refused.error().data["errors"][0]["path"].get<std::string>().rfind("listeners[0]", 0), 0u);
    const auto after = proxy_status();
    EXPECT_EQ(after.pid, before.pid);
    EXPECT_EQ(after.config_version, 1);
    EXPECT_EQ(agent->call<method::ConfigGet>({}).value().version, 1);

    auto without = host_config(listen_port, worker_base, 1);
    without.erase("listeners");
    without.erase("routes");
    without.erase("pools");
    const auto result = apply_config(*agent, without);
    EXPECT_FALSE(result.proxy_reloaded);
    ASSERT_FALSE(result.notes.empty());
    EXPECT_TRUE(eventually([&] { return !proxy_status().running; }, 15s));
    EXPECT_FALSE(proxy_status().configured);
    EXPECT_FALSE(port_accepts(listen_port));
}

// A WSGI app for waitress whose /healthz answers 503 while a file "sick-PORT" exists in its
// directory; every other path answers "PORT PID".
constexpr const char* kGateApp = R"(import os
def application(environ, start_response):
    port = environ.get("SERVER_PORT", "?")
    if environ.get("PATH_INFO") == "/healthz" and os.path.exists("sick-" + port):
        start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Content-Length", "5")])
        return [b"sick\n"]
    body = ("%s %d\n" % (port, os.getpid())).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
)";

TEST_F(ProxySupervisorTest, PoolServersFollowTheHealthOfTheirInstances) {
    const auto app_dir = temp.path() / "gate";
    std::filesystem::create_directories(app_dir);
    ASSERT_EQ(write_file_atomically(app_dir / "gate_app.py", kGateApp), "");
    temp.give_to_test_user(app_dir);
    temp.give_to_test_user(app_dir / "gate_app.py");
    auto sick = [&](int port, bool on) {
        const auto marker = app_dir / ("sick-" + std::to_string(port));
        if (on) ASSERT_EQ(write_file_atomically(marker, "1"), "");
        else std::filesystem::remove(marker);
    };
    // Which instance ports answered `n` requests through the proxy, and what else came back.
    auto answered_by = [&](int n, std::set<int>* statuses = nullptr) {
        std::set<std::string> ports;
        for (int i = 0; i < n; ++i) {
            std::string body;
            const int code = http_status(listen_port, "/", &body);
            if (statuses) statuses->insert(code);
            if (code == 200) ports.insert(body.substr(0, body.find(' ')));
        }
        return ports;
    };
    const std::string first = std::to_string(worker_base), second = std::to_string(worker_base + 1);
    auto config = host_config(listen_port, worker_base, 2);
    config["workers"][0]["command"] = {"/usr/bin/waitress-serve", "--listen=127.0.0.1:{port}", "gate_app:application"};
    config["workers"][0]["cwd"] = app_dir.string();
    config["workers"][0]["health"] = {{"type", "http"}, {"path", "/healthz"}, {"interval_ms", 200}};
    auto servers = [&] {
        const auto effective = json::parse(read_small_file(daemon.state_dir() / "proxy" / "config.json").value_or("{}"));
        std::map<std::string, std::string> states;
        for (const auto& server : effective["pools"][0]["servers"])
            states[server["address"].get<std::string>().substr(10)] = server.value("state", "active");
        return states;
    };

    // The second instance never passes its check: it runs, but gets no requests.
    sick(worker_base + 1, true);
    ASSERT_TRUE(apply_config(*agent, config).proxy_reloaded);
    ASSERT_TRUE(wait_for_group(*agent, "web", [](const auto& g) {
        return g.instances.size() == 2 && g.instances[0].state == protocol::InstanceState::running;
    }, 30s));
    // The file is written before the proxy confirms the push: its answers are what count.
    ASSERT_TRUE(eventually([&] { return answered_by(2) == std::set<std::string>{first}; }, 10s))
        << ::testing::PrintToString(servers());
    EXPECT_EQ(servers()[first], "active");
    EXPECT_EQ(servers()[second], "disabled");
    EXPECT_TRUE(eventually([&] { return http_status(worker_base + 1, "/") == 200; }, 10s))
        << "the instance itself would answer";
    std::set<int> statuses;
    EXPECT_EQ(answered_by(12, &statuses), std::set<std::string>{first});
    EXPECT_EQ(statuses, std::set<int>{200});

    // Once it passes, it joins.
    sick(worker_base + 1, false);
    EXPECT_TRUE(eventually([&] { return answered_by(8).size() == 2; }, 15s)) << ::testing::PrintToString(servers());
    EXPECT_EQ(servers()[second], "active");

    // The first one starts failing its check: it leaves the pool without a failed request.
    sick(worker_base, true);
    statuses.clear();
    EXPECT_TRUE(eventually([&] { return answered_by(8, &statuses) == std::set<std::string>{second}; }, 15s))
        << ::testing::PrintToString(servers());
    EXPECT_EQ(statuses, std::set<int>{200});
    EXPECT_EQ(servers()[first], "disabled");

    // The healthy one is stopped: nothing healthy is left, and the proxy says so (503) rather
    // than sending requests to the unhealthy one.
    ASSERT_TRUE(agent->call<method::WorkersStop>({"web", 1}, 20s).ok());
    EXPECT_TRUE(eventually([&] { return http_status(listen_port, "/") == 503; }, 10s)) << ::testing::PrintToString(servers());
    // Draining while it stopped, disabled once it is gone.
    EXPECT_TRUE(eventually([&] { return servers()[second] == "disabled"; }, 10s)) << ::testing::PrintToString(servers());
}

// A listening socket on 127.0.0.1:port held by the test, as another program would hold it.
class PortBlocker {
public:
    explicit PortBlocker(int port) : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_bound = ::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && ::listen(m_fd, 1) == 0;
    }
    ~PortBlocker() { release(); }
    PortBlocker(const PortBlocker&) = delete;
    PortBlocker& operator=(const PortBlocker&) = delete;
    bool bound() const { return m_bound; }
    void release() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd;
    bool m_bound = false;
};

TEST_F(ProxySupervisorTest, AProxyThatKeepsExitingIsFailingWithItsErrorUntilTheNextApply) {
    PortBlocker blocker(listen_port);
    ASSERT_TRUE(blocker.bound());
    const json config = {{"listeners", {{{"name", "http"}, {"address", "127.0.0.1:" + std::to_string(listen_port)}}}},
                         {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
                         {"pools", {{{"name", "app"}, {"servers", {{{"address", "127.0.0.1:" + std::to_string(worker_base)}}}}}}}};
    const auto started = std::chrono::steady_clock::now();
    const auto applied = apply_config(*agent, config);
    EXPECT_FALSE(applied.proxy_reloaded);
    ASSERT_FALSE(applied.notes.empty());
    EXPECT_NE(applied.notes[0].find("the proxy exited"), std::string::npos) << applied.notes[0];

    // It is restarted with growing pauses (visible as "backoff"), then given up on, visibly.
    bool saw_backoff = false;
    protocol::ProxyStatus status;
    ASSERT_TRUE(eventually([&] {
        status = proxy_status();
        if (status.state == protocol::InstanceState::backoff && status.next_restart_at_ms) saw_backoff = true;
        return status.state == protocol::InstanceState::failing;
    }, 20s)) << json(status).dump();
    EXPECT_TRUE(saw_backoff);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 2500ms) << "200 + 400 + 800 + 1600 ms of backoff";
    EXPECT_FALSE(status.running);
    EXPECT_EQ(status.restarts, 4);
    EXPECT_FALSE(status.next_restart_at_ms);
    EXPECT_NE(status.failing_reason.find("exited with status 1"), std::string::npos) << status.failing_reason;
    EXPECT_NE(status.failing_reason.find("in use"), std::string::npos) << "the proxy's own error: " << status.failing_reason;
    EXPECT_NE(status.failing_reason.find("apply the config again"), std::string::npos) << status.failing_reason;
    EXPECT_TRUE(agent->wait_notification("proxy.changed", 5s));

    // No silent loop: a second later nothing was tried again.
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(proxy_status().restarts, 4);
    EXPECT_EQ(proxy_status().state, protocol::InstanceState::failing);
    auto log = agent->call<method::LogsTail>({{"proxy", {}}, 200}).value();
    EXPECT_TRUE(std::any_of(log.lines.begin(), log.lines.end(), [](const auto& l) {
        return l.stream == "agent" && l.text.rfind("FAILING", 0) == 0;
    }));
    EXPECT_TRUE(std::any_of(log.lines.begin(), log.lines.end(), [](const auto& l) { return l.stream == "stderr"; }));

    // The port is free again; applying the same config starts the proxy again.
    blocker.release();
    const auto again = apply_config(*agent, config);
    EXPECT_FALSE(again.changed);
    ASSERT_TRUE(eventually([&] { return proxy_status().state == protocol::InstanceState::running; }, 15s))
        << json(proxy_status()).dump() << daemon.log_text();
    EXPECT_TRUE(proxy_status().failing_reason.empty());
    EXPECT_TRUE(port_accepts(listen_port));
}

}  // namespace
}  // namespace fulcrum::agent::test_support
