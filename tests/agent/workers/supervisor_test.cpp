// Worker groups under the real daemon with real processes: waitress + the demo app, python
// one-liners that crash, ignore SIGTERM or fork. Every wait is bounded.
#include "tests/agent/support/worker_helpers.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace fulcrum::agent::test_support {
namespace {

using namespace std::chrono_literals;
namespace method = protocol::method;
using nlohmann::json;
using protocol::GroupState;
using protocol::InstanceState;

class WorkersTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(daemon.start());
        agent.emplace(daemon.connect());
    }
    TempDir temp;
    TestDaemon daemon{temp.path() / "state"};
    std::optional<AgentConnection> agent;
};

TEST_F(WorkersTest, WaitressGroupRunsHealthyServesAndStopsAndStarts) {
    const int base = free_port_range(2);
    const auto applied = apply_config(*agent, {{"workers", {waitress_group("web", base, 2)}}});
    EXPECT_EQ(applied.workers_changed, std::vector<std::string>{"web"});
    protocol::WorkerGroupStatus last;
    auto running = wait_for_group(*agent, "web", [](const auto& g) { return g.state == GroupState::running; }, 30s, &last);
    ASSERT_TRUE(running) << json(last).dump();
    EXPECT_EQ(running->desired_count, 2);
    EXPECT_NE(running->command.find("waitress-serve"), std::string::npos);
    for (const auto& instance : running->instances) {
        EXPECT_GT(instance.pid, 0);
        EXPECT_EQ(instance.port, base + instance.index);
        std::string body;
        EXPECT_EQ(http_status(instance.port, "/healthz"), 200);
        EXPECT_EQ(http_status(instance.port, "/", &body), 200);
        EXPECT_NE(body.find("<dd id=\"pid\">" + std::to_string(instance.pid) + "<"), std::string::npos) << body;
    }
    // CPU and RSS from /proc, sampled every second.
    auto sampled = wait_for_group(*agent, "web", [](const auto& g) { return g.instances[0].rss_bytes > 1000000; }, 5s);
    ASSERT_TRUE(sampled);
    EXPECT_GE(sampled->instances[0].cpu_percent, 0.0);
    ASSERT_TRUE(agent->wait_notification("workers.changed", 5s));

    auto stopped = agent->call<method::WorkersStop>({"web", {}}, 20s);
    ASSERT_TRUE(stopped.ok()) << stopped.error().message;
    EXPECT_EQ(stopped.value().state, GroupState::stopped);
    EXPECT_FALSE(port_accepts(base));
    EXPECT_FALSE(port_accepts(base + 1));

    ASSERT_TRUE(agent->call<method::WorkersStart>({"web", {}}).ok());
    ASSERT_TRUE(wait_for_group(*agent, "web", [](const auto& g) { return g.state == GroupState::running; }, 30s));

    // One instance restarted by index: a new pid, the other untouched.
    const auto before = agent->call<method::WorkersList>({"web"}).value().groups[0];
    ASSERT_TRUE(agent->call<method::WorkersRestart>({"web", 1}).ok());
    auto after = wait_for_group(*agent, "web", [&](const auto& g) {
        return g.state == GroupState::running && g.instances[1].pid != before.instances[1].pid;
    }, 30s);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->instances[0].pid, before.instances[0].pid);

    // The agent's own events and waitress's output are both in the instance's log.
    auto tail = agent->call<method::LogsTail>({{"web", 0}, 100});
    ASSERT_TRUE(tail.ok()) << tail.error().message;
    bool started = false, serving = false;
    for (const auto& line : tail.value().lines) {
        // The instance's real command: its own port, not the group's {port} template.
        if (line.stream == "agent" && line.text.find("started pid") != std::string::npos) {
            started = true;
            EXPECT_NE(line.text.find(std::to_string(base)), std::string::npos) << line.text;
            EXPECT_EQ(line.text.find("{port}"), std::string::npos) << line.text;
        }
        // waitress logs to stderr, and it stays marked as such.
        if (line.stream == "stderr" && line.text.find("Serving on") != std::string::npos) serving = true;
    }
    EXPECT_TRUE(started);
    EXPECT_TRUE(serving);
    auto merged = agent->call<method::LogsTail>({{"web", {}}, 5});
    ASSERT_TRUE(merged.ok());
    EXPECT_EQ(merged.value().lines.size(), 5u);
    EXPECT_TRUE(merged.value().truncated);
}

TEST_F(WorkersTest, CrashesBackOffThenTheGroupIsFailingWithTheReason) {
    const int base = free_port_range(1);
    auto group = python_group("crashy", "import sys; print('boom', flush=True); sys.exit(3)", base);
    group["restart"] = {{"backoff_initial_ms", 200}, {"backoff_max_ms", 400}, {"stable_after_ms", 5000},
                        {"max_fast_failures", 4}};
    const auto started = std::chrono::steady_clock::now();
    apply_config(*agent, {{"workers", {group}}});
    bool saw_backoff = false;
    auto failing = wait_for_group(*agent, "crashy", [&](const auto& g) {
        if (!g.instances.empty() && g.instances[0].state == InstanceState::backoff && g.instances[0].next_restart_at_ms)
            saw_backoff = true;
        return g.state == GroupState::failing;
    }, 20s);
    ASSERT_TRUE(failing);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(saw_backoff);
    // Backoff 200 + 400 + 400 ms between the four runs: never a tight loop.
    EXPECT_GE(took, 900ms);
    const auto& instance = failing->instances.at(0);
    EXPECT_EQ(instance.state, InstanceState::failing);
    EXPECT_EQ(instance.restarts, 3);
    ASSERT_TRUE(instance.last_exit);
    EXPECT_EQ(instance.last_exit->exit_code, 3);
    EXPECT_NE(failing->failing_reason.find("exited with status 3"), std::string::npos) << failing->failing_reason;
    // It stays failing (no silent loop): same pid-less state a second later.
    std::this_thread::sleep_for(1s);
    auto still = agent->call<method::WorkersList>({"crashy"}).value().groups.at(0);
    EXPECT_EQ(still.state, GroupState::failing);
    EXPECT_EQ(still.instances[0].restarts, 3);
    auto log = agent->call<method::LogsTail>({{"crashy", 0}, 200}).value();
    bool said_failing = false;
    int booms = 0;
    for (const auto& line : log.lines) {
        if (line.text.find("FAILING") != std::string::npos) said_failing = true;
        if (line.text == "boom") ++booms;
    }
    EXPECT_TRUE(said_failing);
    EXPECT_EQ(booms, 4);
    // An explicit start clears "failing" and tries again.
    ASSERT_TRUE(agent->call<method::WorkersStart>({"crashy", {}}).ok());
    auto retried = agent->call<method::WorkersList>({"crashy"}).value().groups.at(0);
    EXPECT_NE(retried.state, GroupState::failing);
}

TEST_F(WorkersTest, CommandThatCannotRunIsFailingWithThePreciseReason) {
    auto group = python_group("ghost", "", free_port_range(1));
    group["command"] = {"/nonexistent/fulcrum-test-binary", "{port}"};
    group["restart"] = {{"backoff_initial_ms", 50}, {"backoff_max_ms", 50}, {"max_fast_failures", 2}};
    apply_config(*agent, {{"workers", {group}}});
    auto failing = wait_for_group(*agent, "ghost", [](const auto& g) { return g.state == GroupState::failing; }, 10s);
    ASSERT_TRUE(failing);
    EXPECT_NE(failing->failing_reason.find("cannot execute /nonexistent/fulcrum-test-binary: No such file"),
              std::string::npos)
        << failing->failing_reason;
}

TEST_F(WorkersTest, StopEscalatesToSigkillForTheWholeProcessGroup) {
    const int base = free_port_range(1);
    // Ignores SIGTERM and forks a child that does too; both must be gone after the stop.
    auto group = python_group("stubborn",
                              "import os, signal, sys, time\n"
                              "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                              "child = os.fork()\n"
                              "print('child' if child == 0 else 'parent', os.getpid(), flush=True)\n"
                              "time.sleep(1000)\n",
                              base);
    group["stop_grace_ms"] = 500;
    apply_config(*agent, {{"workers", {group}}});
    auto running = wait_for_group(*agent, "stubborn", [](const auto& g) { return g.state == GroupState::running; }, 10s);
    ASSERT_TRUE(running);
    const pid_t pgid = static_cast<pid_t>(running->instances[0].pid);
    ASSERT_TRUE(eventually([&] {
        auto lines = agent->call<method::LogsTail>({{"stubborn", 0}, 50}).value().lines;
        return std::count_if(lines.begin(), lines.end(), [](const auto& l) { return l.stream == "stdout"; }) >= 2;
    }, 10s));
    EXPECT_EQ(::kill(-pgid, 0), 0) << "the process group exists";
    const auto started = std::chrono::steady_clock::now();
    auto stopped = agent->call<method::WorkersStop>({"stubborn", 0}, 20s);
    ASSERT_TRUE(stopped.ok());
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 400ms) << "SIGTERM was ignored, so the grace period passed; log: "
                           << json(agent->call<method::LogsTail>({{"stubborn", 0}, 50}).value()).dump();
    EXPECT_LT(took, 5s);
    EXPECT_TRUE(eventually([&] { return ::kill(-pgid, 0) != 0; }, 5s)) << "no process of the group survives";
    ASSERT_TRUE(stopped.value().instances[0].last_exit);
    EXPECT_EQ(stopped.value().instances[0].last_exit->signal, SIGKILL);
}

TEST_F(WorkersTest, ScaleChangesTheConfigAndTheProcesses) {
    const int base = free_port_range(3);
    apply_config(*agent, {{"workers", {python_group("pool", "import time; time.sleep(1000)", base, 1)}}});
    ASSERT_TRUE(wait_for_group(*agent, "pool", [](const auto& g) { return g.state == GroupState::running; }, 10s));
    auto up = agent->call<method::WorkersScale>({"pool", 3}, 20s);
    ASSERT_TRUE(up.ok()) << up.error().message;
    EXPECT_EQ(up.value().desired_count, 3);
    auto three = wait_for_group(*agent, "pool", [](const auto& g) { return all_instances(g, InstanceState::running, 3); }, 10s);
    ASSERT_TRUE(three);
    EXPECT_EQ(three->instances[2].port, base + 2);
    auto config = agent->call<method::ConfigGet>({}).value();
    EXPECT_EQ(config.document["workers"][0]["count"], 3);
    EXPECT_EQ(config.version, 2);

    auto down = agent->call<method::WorkersScale>({"pool", 1}, 20s);
    ASSERT_TRUE(down.ok());
    auto one = wait_for_group(*agent, "pool", [](const auto& g) { return all_instances(g, InstanceState::running, 1); }, 15s);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->instances[0].pid, three->instances[0].pid) << "the kept instance was not restarted";
    EXPECT_TRUE(eventually([&] { return ::kill(-static_cast<pid_t>(three->instances[2].pid), 0) != 0; }, 10s));
}

TEST_F(WorkersTest, LogsFollowStreamsNewLinesUntilCancelled) {
    const int base = free_port_range(1);
    apply_config(*agent, {{"workers", {python_group("talker",
                                             "import sys, time\n"
                                             "for i in range(100000):\n"
                                             "    print('tick', i, flush=True)\n"
                                             "    time.sleep(0.05)\n",
                                             base)}}});
    ASSERT_TRUE(wait_for_group(*agent, "talker", [](const auto& g) { return g.state == GroupState::running; }, 10s));
    auto subscription = agent->call<method::LogsFollow>({{"talker", 0}, 3});
    ASSERT_TRUE(subscription.ok()) << subscription.error().message;
    int ticks = 0;
    for (int i = 0; i < 10; ++i) {
        auto line = agent->wait_notification("logs.line", 5s);
        ASSERT_TRUE(line);
        auto decoded = protocol::decode_notification<protocol::notification::LogsLineN>(*line);
        ASSERT_TRUE(decoded.ok());
        EXPECT_EQ(decoded.value().subscription, subscription.value().subscription);
        EXPECT_EQ(decoded.value().line.group, "talker");
        if (decoded.value().line.text.rfind("tick ", 0) == 0) ++ticks;
    }
    EXPECT_GE(ticks, 6);  // up to 3 of the 10 are the requested history (agent lines among them)
    auto cancelled = agent->call<method::SubscriptionCancel>(subscription.value());
    ASSERT_TRUE(cancelled.ok());
    EXPECT_TRUE(cancelled.value().cancelled);
    EXPECT_TRUE(agent->call<method::SubscriptionCancel>(subscription.value()).error().is(protocol::ErrorCode::NotFound));
}

// Says "out INDEX N" on stdout and "err INDEX N" on stderr ten times a second.
constexpr const char* kBothStreams = R"(import sys, time
for n in range(100000):
    print('out', sys.argv[2], n, flush=True)
    print('err', sys.argv[2], n, file=sys.stderr, flush=True)
    time.sleep(0.1)
)";

TEST_F(WorkersTest, FollowingAGroupIncludesInstancesAddedLaterWithStdoutAndStderrApart) {
    apply_config(*agent, {{"workers", {python_group("chatty", kBothStreams, free_port_range(3), 1)}}});
    ASSERT_TRUE(wait_for_group(*agent, "chatty", [](const auto& g) { return g.state == GroupState::running; }, 10s));
    auto subscription = agent->call<method::LogsFollow>({{"chatty", {}}, 0});
    ASSERT_TRUE(subscription.ok()) << subscription.error().message;
    ASSERT_TRUE(agent->call<method::WorkersScale>({"chatty", 3}, 20s).ok());

    // Every instance's both streams arrive, each line under its own stream; the new instances
    // from their first line (the agent's "started pid").
    std::map<int, std::set<std::string>> seen;
    auto complete = [&] {
        for (int index : {0, 1, 2}) {
            if (!seen[index].contains("stdout") || !seen[index].contains("stderr")) return false;
        }
        return seen[1].contains("agent") && seen[2].contains("agent");
    };
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (!complete() && std::chrono::steady_clock::now() < deadline) {
        auto note = agent->wait_notification("logs.line", 5s);
        if (!note) break;
        auto decoded = protocol::decode_notification<protocol::notification::LogsLineN>(*note);
        ASSERT_TRUE(decoded.ok());
        const auto& line = decoded.value().line;
        ASSERT_TRUE(line.index);
        const std::string expected_prefix = line.stream == "stdout" ? "out " : "err ";
        if (line.stream != "agent") {
            EXPECT_EQ(line.text.rfind(expected_prefix + std::to_string(*line.index) + " ", 0), 0u) << line.text;
        }
        if (line.stream == "agent" && line.text.rfind("started pid", 0) != 0) continue;
        seen[*line.index].insert(line.stream);
    }
    EXPECT_TRUE(complete()) << ::testing::PrintToString(seen);

    // logs.tail keeps them apart too, and each agent event is reported once.
    auto tail = agent->call<method::LogsTail>({{"chatty", 2}, 10000}).value();
    int started = 0, outs = 0, errs = 0;
    for (const auto& line : tail.lines) {
        if (line.stream == "agent" && line.text.rfind("started pid", 0) == 0) ++started;
        if (line.stream == "stdout" && line.text.rfind("out 2 ", 0) == 0) ++outs;
        if (line.stream == "stderr" && line.text.rfind("err 2 ", 0) == 0) ++errs;
    }
    EXPECT_EQ(started, 1);
    EXPECT_GT(outs, 0);
    EXPECT_GT(errs, 0);
    EXPECT_TRUE(agent->call<method::SubscriptionCancel>(subscription.value()).ok());
}

TEST_F(WorkersTest, HostileWorkerCallsGetErrorsAndTheDaemonLives) {
    apply_config(*agent, {{"workers", {python_group("w", "import time; time.sleep(1000)", free_port_range(1))}}});
    EXPECT_TRUE(agent->call<method::WorkersStart>({"nope", {}}).error().is(protocol::ErrorCode::NotFound));
    EXPECT_TRUE(agent->call<method::WorkersStop>({"w", 7}).error().is(protocol::ErrorCode::NotFound));
    EXPECT_TRUE(agent->call<method::WorkersRestart>({"w", -1}).error().is(protocol::ErrorCode::NotFound));
    EXPECT_TRUE(agent->call<method::WorkersScale>({"w", -5}).error().is(protocol::ErrorCode::InvalidParams));
    EXPECT_TRUE(agent->call<method::WorkersScale>({"w", 100000}).error().is(protocol::ErrorCode::InvalidParams));
    EXPECT_TRUE(agent->call<method::WorkersList>({"nope"}).error().is(protocol::ErrorCode::NotFound));
    EXPECT_TRUE(agent->call<method::LogsTail>({{"w", 3}, 10}).error().is(protocol::ErrorCode::NotFound));
    EXPECT_TRUE(agent->call<method::LogsTail>({{"w", {}}, -1}).error().is(protocol::ErrorCode::InvalidParams));
    EXPECT_TRUE(agent->call<method::LogsFollow>({{"../etc", {}}, 0}).error().is(protocol::ErrorCode::NotFound));
    for (const char* params : {R"({"group": 5})", R"({"group": "w", "index": "x"})", R"({"group": "w", "count": 1.5})",
                               R"({"source": []})", R"({"subscription": "x"})"}) {
        for (const char* name : {"workers.start", "workers.scale", "logs.tail", "logs.follow", "subscription.cancel"}) {
            auto answer = agent->call_raw(name, json::parse(params), 5s);
            ASSERT_TRUE(answer) << name << " " << params;
        }
    }
    EXPECT_TRUE(agent->call<method::WorkersList>({}).ok());
}

// A running worker whose health check starts failing is reported unhealthy (and in its log),
// and running again once it answers; the group's one probe round per interval probes each
// instance once, not twice (a starting instance's own timer must hand over, not stay on).
TEST_F(WorkersTest, HealthTransitionsAreSeenAndEachInstanceIsProbedOncePerInterval) {
    const int base = free_port_range(2);
    const auto sick = temp.path() / "sick";
    const std::string code =
        "import http.server, os, sys\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        print('probe', flush=True)\n"
        "        self.send_response(503 if os.path.exists(os.environ['SICK_FILE']) else 200)\n"
        "        self.end_headers()\n"
        "    def log_message(self, *args): pass\n"
        "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()\n";
    auto group = python_group("probed", code, base, 2);
    group["env"] = {{"SICK_FILE", sick.string()}};
    group["health"] = {{"type", "http"}, {"path", "/healthz"}, {"interval_ms", 200}};
    apply_config(*agent, {{"workers", {group}}});
    protocol::WorkerGroupStatus last;
    ASSERT_TRUE(wait_for_group(*agent, "probed", [](const auto& g) { return g.state == GroupState::running; }, 30s, &last))
        << json(last).dump();

    auto probes = [&](int index) {
        auto tail = agent->call<method::LogsTail>({{"probed", index}, 10000});
        EXPECT_TRUE(tail.ok());
        std::size_t n = 0;
        for (const auto& line : tail.value().lines) n += line.stream == "stdout" && line.text == "probe";
        return n;
    };
    std::this_thread::sleep_for(500ms);
    const auto before = probes(0);
    std::this_thread::sleep_for(3s);
    const auto in_3s = probes(0) - before;
    EXPECT_GE(in_3s, 6u);   // 15 at 200 ms; a loaded machine may lose some
    EXPECT_LE(in_3s, 20u);  // two probe chains per instance would make ~30

    { std::ofstream(sick) << "1"; }
    auto unhealthy = wait_for_group(*agent, "probed", [](const auto& g) {
        return g.instances.size() == 2 && g.instances[0].state == InstanceState::unhealthy &&
               g.instances[1].state == InstanceState::unhealthy;
    }, 10s, &last);
    ASSERT_TRUE(unhealthy) << json(last).dump();
    EXPECT_EQ(unhealthy->state, GroupState::degraded);
    EXPECT_GT(unhealthy->instances[0].pid, 0);  // unhealthy is reported, not killed

    std::filesystem::remove(sick);
    ASSERT_TRUE(wait_for_group(*agent, "probed", [](const auto& g) { return g.state == GroupState::running; }, 10s, &last))
        << json(last).dump();
    auto tail = agent->call<method::LogsTail>({{"probed", 0}, 10000});
    ASSERT_TRUE(tail.ok());
    bool went_unhealthy = false, came_back = false;
    for (const auto& line : tail.value().lines) {
        if (line.stream != "agent") continue;
        went_unhealthy = went_unhealthy || line.text.find("unhealthy: HTTP 503") != std::string::npos;
        came_back = came_back || line.text.find("healthy again: HTTP 200") != std::string::npos;
    }
    EXPECT_TRUE(went_unhealthy);
    EXPECT_TRUE(came_back);
}

}  // namespace
}  // namespace fulcrum::agent::test_support
