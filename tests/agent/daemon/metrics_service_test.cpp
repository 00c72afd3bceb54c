// metrics.history and metrics.subscribe from the real daemon (host and worker figures; the
// proxy's traffic is covered with the proxy in proxy_supervisor_test.cpp).
#include "agent/config/config_store.h"
#include "agent/util/run_command.h"
#include "tests/agent/support/worker_helpers.h"

#include <gtest/gtest.h>

namespace fulcrum::agent::test_support {
namespace {

using namespace std::chrono_literals;
namespace method = protocol::method;

TEST(MetricsService, SamplesEverySecondIntoHistoryAndSubscriptions) {
    TempDir temp;
    TestDaemon daemon(temp.path() / "state");
    ASSERT_TRUE(daemon.start());
    auto agent = daemon.connect();
    apply_config(agent, {{"workers", {python_group("idle", "import time; time.sleep(1000)", free_port_range(2), 2)}}});
    auto subscribed = agent.call<method::MetricsSubscribe>({});
    ASSERT_TRUE(subscribed.ok());
    EXPECT_EQ(subscribed.value().interval_ms, 1000);
    std::vector<protocol::MetricsSample> streamed;
    const auto started = std::chrono::steady_clock::now();
    while (streamed.size() < 3) {
        auto notification = agent.wait_notification("metrics.sample", 5s);
        ASSERT_TRUE(notification);
        auto decoded = protocol::decode_notification<protocol::notification::MetricsSampleN>(*notification);
        ASSERT_TRUE(decoded.ok());
        EXPECT_EQ(decoded.value().subscription, subscribed.value().subscription);
        streamed.push_back(decoded.value().sample);
    }
    EXPECT_GE(std::chrono::steady_clock::now() - started, 1500ms) << "one per second, not faster";
    const auto& last = streamed.back();
    EXPECT_GT(last.host.mem_total_bytes, 0u);
    EXPECT_FALSE(last.proxy_running);
    ASSERT_EQ(last.workers.size(), 1u);
    EXPECT_EQ(last.workers[0].group, "idle");
    EXPECT_EQ(last.workers[0].desired, 2);
    EXPECT_EQ(last.workers[0].running, 2);
    EXPECT_EQ(last.workers[0].state, "running");
    EXPECT_GT(last.workers[0].rss_bytes, 0u);

    auto history = agent.call<method::MetricsHistory>({});
    ASSERT_TRUE(history.ok());
    EXPECT_GE(history.value().samples.size(), 3u);
    EXPECT_EQ(history.value().samples.back().time_ms, last.time_ms);
    auto since = agent.call<method::MetricsHistory>({streamed[1].time_ms, 3600});
    ASSERT_TRUE(since.ok());
    ASSERT_FALSE(since.value().samples.empty());
    EXPECT_GT(since.value().samples.front().time_ms, streamed[1].time_ms);
    EXPECT_TRUE(agent.call<method::MetricsHistory>({std::nullopt, -1}).error().is(protocol::ErrorCode::InvalidParams));

    ASSERT_TRUE(agent.call<method::SubscriptionCancel>({subscribed.value().subscription}).ok());
    agent.notifications().clear();
    std::this_thread::sleep_for(1500ms);
    EXPECT_TRUE(agent.call<method::WorkersList>({}).ok());  // drains anything that arrived
    for (const auto& n : agent.notifications()) EXPECT_NE(n.method, "metrics.sample");
}

}  // namespace
}  // namespace fulcrum::agent::test_support

namespace fulcrum::agent::test_support {
namespace {

TEST(StatusCommand, SummarisesWorkersProxyLoadAndBootInWords) {
    TempDir temp;
    TestDaemon daemon(temp.path() / "state");
    ASSERT_TRUE(daemon.start());
    auto agent = daemon.connect();
    apply_config(agent, {{"workers", {python_group("quiet", "import time; time.sleep(1000)", free_port_range(1))}}});
    ASSERT_TRUE(wait_for_group(agent, "quiet", [](const auto& g) { return g.state == protocol::GroupState::running; }, 10s));
    std::this_thread::sleep_for(1500ms);  // one metrics sample
    const auto status = run_command(daemon.command("status"), 60s);
    ASSERT_TRUE(status.ok()) << status.output;
    for (const char* expected : {"is running: pid", "Config: version 1.", "Workers quiet: running, 1 of 1 running",
                                 "[0] port", "Proxy: not configured", "Load: host CPU", "Boot: The agent"})
        EXPECT_NE(status.output.find(expected), std::string::npos) << expected << "\n" << status.output;
}

}  // namespace
}  // namespace fulcrum::agent::test_support

namespace fulcrum::agent::test_support {
namespace {

TEST(AgentUpgrade, ReExecutesInPlaceKeepingTheWorkers) {
    TempDir temp;
    const auto copy = temp.path() / "new-agent";
    std::filesystem::copy_file(agent_binary(), copy);
    temp.give_to_test_user(copy);
    const auto sha = sha256_hex(read_small_file(copy, 256 << 20).value_or(""));
    TestDaemon daemon(temp.path() / "state");
    ASSERT_TRUE(daemon.start());
    auto agent = daemon.connect();
    apply_config(agent, {{"workers", {python_group("kept", "import time; time.sleep(1000)", free_port_range(1))}}});
    auto before = wait_for_group(agent, "kept", [](const auto& g) { return g.state == protocol::GroupState::running; }, 10s);
    ASSERT_TRUE(before);
    EXPECT_TRUE(agent.call<protocol::method::AgentUpgrade>({copy.string(), "00"}).error().is(protocol::ErrorCode::OperationFailed));
    auto upgraded = agent.call<protocol::method::AgentUpgrade>({copy.string(), sha});
    ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
    EXPECT_TRUE(upgraded.value().restarting);
    EXPECT_EQ(upgraded.value().new_version, upgraded.value().old_version);
    std::optional<AgentConnection> again;
    ASSERT_TRUE(eventually([&] {
        try {
            auto c = daemon.connect();
            if (c.call<protocol::method::AgentHello>(protocol::HelloParams{"t", "0", {}, {}}).value().daemon_pid != daemon.process().pid()) return false;
            again.emplace(std::move(c));
            return std::filesystem::read_symlink("/proc/" + std::to_string(daemon.process().pid()) + "/exe") == copy;
        } catch (const std::exception&) {
            return false;
        }
    }, 10s));
    auto after = wait_for_group(*again, "kept", [](const auto& g) { return g.state == protocol::GroupState::running; }, 10s);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->instances[0].pid, before->instances[0].pid) << "the worker kept running";
}

}  // namespace
}  // namespace fulcrum::agent::test_support
