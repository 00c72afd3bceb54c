// kill -9 of the daemon: workers and the proxy keep serving, and the next daemon adopts them
// (pid + start time) instead of starting duplicates. An orderly stop (SIGTERM) stops them, and
// the next daemon starts them again unless a person had stopped them.
#include "tests/agent/support/worker_helpers.h"

#include "agent/util/files.h"

#include <gtest/gtest.h>

#include <signal.h>

namespace fulcrum::agent::test_support {
namespace {

using namespace std::chrono_literals;
namespace method = protocol::method;
using nlohmann::json;
using protocol::GroupState;

// Live processes the agent started for group `name` on one of `ports` (it sets
// FULCRUM_WORKER_GROUP and PORT in their environment; other tests on this machine have groups
// of the same name, but never the same free ports).
int worker_processes(const std::string& name, const std::vector<int>& ports) {
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string pid = entry.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto env = read_small_file(entry.path() / "environ", 1 << 20).value_or("");
        const auto stat = read_small_file(entry.path() / "stat", 4096).value_or("");
        if (env.find(std::string("FULCRUM_WORKER_GROUP=") + name + '\0') == std::string::npos) continue;
        if (std::none_of(ports.begin(), ports.end(), [&](int port) {
                return env.find("PORT=" + std::to_string(port) + '\0') != std::string::npos;
            }))
            continue;
        if (stat.find(" Z ") != std::string::npos) continue;
        ++count;
    }
    return count;
}

TEST(Adoption, KilledDaemonLeavesEverythingServingAndTheNextOneAdoptsIt) {
    TempDir temp;
    const auto state = temp.path() / "state";
    // The first daemon is killed on purpose and leaves its children to the second; should the
    // test stop in between, this ends them.
    RecordedChildrenGuard guard(state);
    const int base = free_port_range(2);
    const int listen = free_port_range(1);
    json config = {{"listeners", {{{"name", "http"}, {"address", "127.0.0.1:" + std::to_string(listen)}}}},
                   {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
                   {"pools", {{{"name", "app"}, {"follow_workers", "web"}}}},
                   {"workers", {waitress_group("web", base, 2)}}};
    protocol::WorkerGroupStatus before;
    protocol::ProxyStatus proxy_before;
    {
        TestDaemon first(state);
        ASSERT_TRUE(first.start());
        auto agent = first.connect();
        apply_config(agent, config);
        auto running = wait_for_group(agent, "web", [](const auto& g) { return g.state == GroupState::running; }, 30s);
        ASSERT_TRUE(running);
        before = *running;
        proxy_before = agent.call<method::ProxyStatusGet>({}).value();
        ASSERT_TRUE(proxy_before.running);
        ASSERT_TRUE(eventually([&] { return read_small_file(state / "children.json").value_or("").find("\"proxy\":{") != std::string::npos; }, 5s));
        first.process().signal(SIGKILL);
        ASSERT_TRUE(first.process().wait(10s));
    }
    // Nobody supervises now, and everything still serves.
    EXPECT_EQ(http_status(base, "/healthz"), 200);
    EXPECT_EQ(http_status(base + 1, "/healthz"), 200);
    EXPECT_EQ(http_status(listen, "/"), 200);

    TestDaemon second(state);
    ASSERT_TRUE(second.start());
    auto agent = second.connect();
    auto adopted = wait_for_group(agent, "web", [](const auto& g) { return g.state == GroupState::running; }, 20s);
    ASSERT_TRUE(adopted);
    EXPECT_EQ(adopted->instances[0].pid, before.instances[0].pid);
    EXPECT_EQ(adopted->instances[1].pid, before.instances[1].pid);
    EXPECT_EQ(worker_processes("web", {base, base + 1}), 2) << "no duplicates";
    const auto proxy_after = agent.call<method::ProxyStatusGet>({}).value();
    EXPECT_EQ(proxy_after.pid, proxy_before.pid);
    EXPECT_TRUE(proxy_after.running);
    EXPECT_EQ(http_status(listen, "/"), 200);
    const auto log = agent.call<method::LogsTail>({{"web", 0}, 20}).value();
    EXPECT_TRUE(std::any_of(log.lines.begin(), log.lines.end(),
                            [](const auto& l) { return l.text.find("adopted pid") != std::string::npos; }));

    // An adopted worker that dies is noticed (pidfd) and replaced.
    ASSERT_EQ(::kill(static_cast<pid_t>(before.instances[1].pid), SIGKILL), 0);
    auto replaced = wait_for_group(agent, "web", [&](const auto& g) {
        return g.state == GroupState::running && g.instances[1].pid != before.instances[1].pid && g.instances[1].pid != 0;
    }, 20s);
    ASSERT_TRUE(replaced);
    ASSERT_TRUE(replaced->instances[1].last_exit);
    EXPECT_NE(replaced->instances[1].last_exit->reason.find("adopted"), std::string::npos);
    EXPECT_EQ(worker_processes("web", {base, base + 1}), 2);

    // An orderly stop of the daemon stops what it adopted, too.
    second.process().terminate(30s);
    EXPECT_TRUE(eventually([&] { return worker_processes("web", {base, base + 1}) == 0; }, 10s));
    EXPECT_FALSE(port_accepts(listen));
}

// systemd stops the agent with SIGTERM when the machine goes down for a reboot (and so does the
// final kill of a cron-started one): the next daemon must start the workers again. Only a stop a
// person asked for (workers.stop) survives the restart.
TEST(Adoption, WorkersComeBackAfterAnOrderlyStopButNotAfterAPersonStoppedThem) {
    TempDir temp;
    const auto state = temp.path() / "state";
    const int base = free_port_range(2);
    json config = {{"workers", {waitress_group("web", base, 1), waitress_group("manual", base + 1, 1)}}};
    auto running = [](const auto& g) { return g.state == GroupState::running; };
    {
        TestDaemon first(state);
        ASSERT_TRUE(first.start());
        auto agent = first.connect();
        apply_config(agent, config);
        ASSERT_TRUE(wait_for_group(agent, "web", running, 30s));
        ASSERT_TRUE(wait_for_group(agent, "manual", running, 30s));
        ASSERT_TRUE(agent.call<method::WorkersStop>({"manual", {}}, 20s).ok());
        ASSERT_TRUE(first.process().terminate(30s));
    }
    EXPECT_EQ(worker_processes("web", {base}), 0) << "SIGTERM stops the workers";

    TestDaemon second(state);
    ASSERT_TRUE(second.start());
    auto agent = second.connect();
    auto web = wait_for_group(agent, "web", running, 30s);
    ASSERT_TRUE(web) << "a daemon shutdown must not leave the group stopped; log:\n" << second.log_text();
    EXPECT_EQ(http_status(base, "/healthz"), 200);
    const auto groups = agent.call<method::WorkersList>({}).value();
    const auto manual = std::find_if(groups.groups.begin(), groups.groups.end(),
                                     [](const auto& g) { return g.name == "manual"; });
    ASSERT_NE(manual, groups.groups.end());
    EXPECT_EQ(manual->state, GroupState::stopped) << "a person's stop is remembered";
    EXPECT_EQ(worker_processes("manual", {base + 1}), 0);
}

}  // namespace
}  // namespace fulcrum::agent::test_support
