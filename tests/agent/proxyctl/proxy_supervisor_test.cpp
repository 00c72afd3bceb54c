// The proxy as the daemon's supervised child, with real waitress workers behind it: apply
// starts it and routes to the followed group, a killed proxy comes back, scale-down drains,
// a rejected config changes nothing, traffic shows up in metrics.
#include "tests/agent/support/worker_helpers.h"

#include <gtest/gtest.h>

#include "agent/util/run_command.h"

#include <signal.h>

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
    EXPECT_EQ(served_by(10).size(), 2u) << "both workers behind the proxy answer";

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

}  // namespace
}  // namespace fulcrum::agent::test_support
