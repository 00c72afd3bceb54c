// Issue 7 item 2, the workers-on-other-machines case, with every part real: three simulated
// servers (tests/support/simhost: own network, sshd, cron, reboot), agents deployed and driven
// over SSH, workers supervised by the agents on B and C, and the proxy on A balancing over them.
//
// While a bounded load loop sends requests through A, the test kills a worker on B, edits A's
// pool live, and reboots C; not one request may fail, and after the reboot C's agent — started
// by C's own cron @reboot, not by the test or the panel — brings C's workers back into A's pool.
//
// Each step goes through the product where the product offers it, and says so: the panel core
// (fulcrum-ctl) when it is built, the agent's own proxy child and boot persistence when its
// agent.hello lists "proxy" and "boot". Where a piece is not there yet the test does that one
// step itself the way the piece is specified to (uploads the agent over SSH, runs
// `fulcrum-agent proxy --config` on A, writes the @reboot line), and prints which steps did, so
// a green run never hides what it did not exercise.
#include "tests/e2e/support/agent_rpc.h"
#include "tests/e2e/support/http_load.h"
#include "tests/e2e/support/panel_ctl.h"
#include "tests/support/simhost/lab.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

namespace fulcrum::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr int kProxyPort = 8080;
constexpr int kBasePortB = 8100;  // distinct per host, so the load loop's tally tells them apart
constexpr int kBasePortC = 8200;
constexpr int kWorkersPerHost = 2;
constexpr const char* kFallbackProxyConfig = "e2e-proxy.json";   // in the user's home on A
constexpr const char* kFallbackAdminSocket = "e2e-admin.sock";

std::string port_key(int port) { return std::to_string(port); }

// A worker group of the demo app (Debian's waitress, the system python), reachable from A.
json workers_document(int base_port) {
    return {{"listeners", json::array()},
            {"routes", json::array()},
            {"pools", json::array()},
            {"workers",
             {{{"name", "web"},
               {"command", {"/usr/bin/waitress-serve", "--listen=0.0.0.0:{port}", "demo_app:application"}},
               {"count", kWorkersPerHost},
               {"base_port", base_port},
               {"cwd", std::string(FULCRUM_SOURCE_DIR) + "/resources/demo"},
               {"health", {{"type", "http"}, {"path", "/healthz"}}},
               {"restart",
                {{"policy", "always"},
                 {"backoff_initial_ms", 200},
                 {"backoff_max_ms", 2000},
                 {"stable_after_ms", 5000},
                 {"max_fast_failures", 10}}},
               {"stop_grace_ms", 3000}}}}};
}

json server(const SimHost& host, int port, const std::string& state = "active", int weight = 1) {
    return {{"address", host.address() + ":" + port_key(port)}, {"weight", weight}, {"state", state}};
}

// A's proxy: one listener, one pool over the workers on B and C; health checks and passive
// failure detection tuned for a test (fast rise/fall); the proxy's retries do the rest.
json proxy_document(const json& servers) {
    return {{"threads", 1},
            {"listeners", {{{"name", "http"}, {"address", "0.0.0.0:" + port_key(kProxyPort)}}}},
            {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
            {"pools",
             {{{"name", "app"},
               {"balance", "round_robin"},
               {"servers", servers},
               {"health",
                {{"path", "/healthz"},
                 {"interval_ms", 300},
                 {"timeout_ms", 250},
                 {"rise", 2},
                 {"fall", 2},
                 {"expect_status_min", 200},
                 {"expect_status_max", 399}}},
               {"max_fails", 1},
               {"fail_timeout_ms", 3000},
               {"connect_timeout_ms", 1000},
               {"response_timeout_ms", 5000}}}}};
}

std::string read_binary(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream data;
    data << in.rdbuf();
    return data.str();
}

// The panel side: fulcrum-ctl where it is built, the agent's RPC over SSH otherwise, and the
// test's own stand-ins for pieces the agent does not offer yet (recorded in `stand_ins`).
class Panel {
public:
    explicit Panel(SimLab& lab) : m_lab(lab) {
#ifdef FULCRUM_CTL
        m_ctl = std::make_unique<PanelCtl>(FULCRUM_CTL, lab.panel_home());
#endif
    }

    std::map<std::string, std::string> stand_ins;  // step -> what the test did instead

    void deploy(SimHost& host) {
        if (m_ctl) {
            const CommandResult r = m_ctl->run({"deploy", host.name()}, 90s);
            ASSERT_TRUE(r.ok()) << host.name() << ": " << r.out << r.err;
        } else {
            stand_ins["deploy"] = "agent uploaded with OpenSSH (fulcrum-ctl is not built)";
            const char* override_path = std::getenv("FULCRUM_AGENT");  // as the panel's locator
            const std::string binary = read_binary(override_path ? override_path : FULCRUM_AGENT_BINARY);
            ASSERT_FALSE(binary.empty());
            auto argv = m_lab.ssh_command(host);
            argv.push_back("mkdir -p ~/.local/lib/fulcrum && cat > ~/.local/lib/fulcrum/.upload && "
                           "chmod 755 ~/.local/lib/fulcrum/.upload && "
                           "mv ~/.local/lib/fulcrum/.upload ~/.local/lib/fulcrum/fulcrum-agent");
            const CommandResult r = run_command(argv, 60s, binary);
            ASSERT_TRUE(r.ok()) << r.err;
        }
        const RpcReply hello = agent_rpc(m_lab, host, "agent.hello");
        ASSERT_TRUE(hello.ok) << host.name() << ": " << hello.describe();
        for (const auto& capability : hello.result.value("capabilities", json::array())) {
            m_capabilities[host.name()].push_back(capability.get<std::string>());
        }
    }

    bool offers(const SimHost& host, const std::string& capability) const {
        const auto it = m_capabilities.find(host.name());
        if (it == m_capabilities.end()) return false;
        return std::find(it->second.begin(), it->second.end(), capability) != it->second.end();
    }

    // The host's whole desired state. On a host whose agent runs no proxy yet, the proxy part
    // is run by the test with `fulcrum-agent proxy` (first time) or replaced over its admin socket.
    void apply(SimHost& host, const json& document) {
        const bool proxy_part = !document.value("listeners", json::array()).empty();
        if (proxy_part && !offers(host, "proxy")) {
            stand_ins["proxy on " + host.name()] =
                "`fulcrum-agent proxy --config` started over SSH; edits on its admin socket (the agent has no proxy child)";
            apply_to_standalone_proxy(host, document);
            return;
        }
        if (m_ctl) {
            const CommandResult r = m_ctl->apply(host.name(), document.dump(2));
            ASSERT_TRUE(r.ok()) << host.name() << ": " << r.out << r.err;
        } else {
            const RpcReply r = agent_rpc(m_lab, host, "config.apply", {{"config", {{"document", document}}}});
            ASSERT_TRUE(r.ok) << host.name() << ": " << r.describe();
        }
    }

    void set_server(SimHost& host, const std::string& pool, const std::string& address, const std::string& state,
                    std::optional<int> weight = std::nullopt) {
        if (m_ctl && offers(host, "proxy")) {
            std::vector<std::string> args{"pool", "set-server", host.name(), pool, address, "--state", state};
            if (weight) args.insert(args.end(), {"--weight", std::to_string(*weight)});
            const CommandResult r = m_ctl->run(args, 30s);
            ASSERT_TRUE(r.ok()) << r.out << r.err;
            return;
        }
        json command = {{"command", "set_server"}, {"pool", pool}, {"address", address}, {"state", state}};
        if (weight) command["weight"] = *weight;
        admin(host, command);
    }

    // Boot persistence: the agent's boot.install where offered, else the @reboot line the
    // agent is specified to install (design.md: "four @reboot cron lines" become one).
    void install_boot(SimHost& host) {
        if (offers(host, "boot")) {
            const RpcReply r = agent_rpc(m_lab, host, "boot.install", {{"mechanism", "cron"}});
            ASSERT_TRUE(r.ok) << r.describe();
            return;
        }
        stand_ins["boot on " + host.name()] = "@reboot crontab line written by the test (the agent has no boot.install)";
        const CommandResult r = host.run_as_user(
            std::string("(crontab -l 2>/dev/null; echo '@reboot ") + kRemoteAgentPath + " daemon --detach') | crontab -");
        ASSERT_TRUE(r.ok()) << r.err;
    }

    std::string report() const {
        if (stand_ins.empty()) return "every step went through the product";
        std::string text = "steps the test did itself:";
        for (const auto& [step, how] : stand_ins) text += "\n  " + step + ": " + how;
        return text;
    }

private:
    void apply_to_standalone_proxy(SimHost& host, const json& document) {
        json proxy = document;
        proxy.erase("workers");
        if (!m_standalone_proxy_started) {
            const CommandResult written =
                host.run_as_user(std::string("cat > ~/") + kFallbackProxyConfig, 10s, proxy.dump(2));
            ASSERT_TRUE(written.ok()) << written.err;
            const CommandResult started = host.run_as_user(
                std::string("setsid ") + kRemoteAgentPath + " proxy --config ~/" + kFallbackProxyConfig +
                " --admin-socket ~/" + kFallbackAdminSocket + " > ~/e2e-proxy.log 2>&1 < /dev/null &");
            ASSERT_TRUE(started.ok()) << started.err;
            const std::string probe = "for i in $(seq 100); do [ -S ~/" + std::string(kFallbackAdminSocket) +
                                      " ] && exit 0; sleep 0.05; done; cat ~/e2e-proxy.log; exit 1";
            const CommandResult up = host.run_as_user(probe);
            ASSERT_TRUE(up.ok()) << "the proxy on " << host.name() << " did not start: " << up.out;
            m_standalone_proxy_started = true;
            return;
        }
        admin(host, {{"command", "replace_config"}, {"config", proxy}});
    }

    // One admin-socket command on the host (JSON line in, JSON line out).
    void admin(SimHost& host, const json& command) {
        const std::string client =
            "import json, socket, sys\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "s.connect(sys.argv[1])\n"
            "s.sendall(sys.stdin.buffer.read())\n"
            "print(s.makefile().readline().strip())\n";
        const CommandResult r = host.run_as_user(
            "python3 -c " + shell_quote(client) + " ~/" + kFallbackAdminSocket, 15s, command.dump() + "\n");
        ASSERT_TRUE(r.ok()) << r.err;
        const json answer = json::parse(r.out, nullptr, false);
        ASSERT_TRUE(answer.is_object() && answer.value("ok", false)) << command.dump() << " -> " << r.out;
    }

    SimLab& m_lab;
    std::unique_ptr<PanelCtl> m_ctl;
    std::map<std::string, std::vector<std::string>> m_capabilities;
    bool m_standalone_proxy_started = false;
};

// Waits until the worker on `port` has answered `count` more requests through A than it had.
bool wait_for_worker(const HttpLoad& load, int port, std::uint64_t count, std::chrono::milliseconds timeout) {
    const auto start = load.tally()[port_key(port)];
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && load.running()) {
        if (load.tally()[port_key(port)] >= start + count) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

// The load loop's summary and the first failures with their time and reason.
std::string explain(const HttpLoad& load) {
    std::string text = load.summary();
    for (const auto& failure : load.failures()) {
        text += "\n  at " + std::to_string(failure.at.count()) + " ms: " + failure.reason;
    }
    return text;
}

json worker_instances(const SimLab& lab, const SimHost& host) {
    const RpcReply list = agent_rpc(lab, host, "workers.list");
    if (!list.ok || list.result.value("groups", json::array()).empty()) return json::array();
    return list.result["groups"][0].value("instances", json::array());
}

class MultiHostTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto reason = SimLab::unsupported_reason()) GTEST_SKIP() << *reason;
    }
};

TEST_F(MultiHostTest, ProxyOnAServesWorkersOnBAndCThroughKillLiveEditAndReboot) {
    SimLab lab({"a", "b", "c"});
    SimHost& a = lab.host("a");
    SimHost& b = lab.host("b");
    SimHost& c = lab.host("c");
    Panel panel(lab);

    for (SimHost* host : {&a, &b, &c}) {
        ASSERT_NO_FATAL_FAILURE(panel.deploy(*host));
        ASSERT_TRUE(host->read_file("/home/fulcrum-test/.local/lib/fulcrum/fulcrum-agent").has_value())
            << "no agent on " << host->name() << " after deploy";
    }
    ASSERT_NO_FATAL_FAILURE(panel.apply(b, workers_document(kBasePortB)));
    ASSERT_NO_FATAL_FAILURE(panel.apply(c, workers_document(kBasePortC)));
    json servers = json::array();
    for (int i = 0; i < kWorkersPerHost; ++i) servers.push_back(server(b, kBasePortB + i));
    for (int i = 0; i < kWorkersPerHost; ++i) servers.push_back(server(c, kBasePortC + i));
    ASSERT_NO_FATAL_FAILURE(panel.apply(a, proxy_document(servers)));
    ASSERT_NO_FATAL_FAILURE(panel.install_boot(c));
    const CommandResult crontab = c.run_as_user("crontab -l");
    ASSERT_NE(crontab.out.find("@reboot"), std::string::npos) << "no @reboot line on c: " << crontab.out << crontab.err;

    HttpLoad load({.address = a.address(),
                   .port = kProxyPort,
                   .path = "/api/whoami",
                   .connections = 2,
                   .max_requests = 60000,
                   .max_duration = 150s});
    load.start();
    for (int port : {kBasePortB, kBasePortB + 1, kBasePortC, kBasePortC + 1}) {
        ASSERT_TRUE(wait_for_worker(load, port, 5, 30s)) << "worker " << port << " never served: " << load.summary();
    }
    ASSERT_EQ(load.failed(), 0u) << "failures before anything was broken: " << explain(load);

    // 1. A worker on B is killed: A retries its in-flight request elsewhere, B's agent restarts
    //    it, and A's health checks bring it back into the pool.
    ASSERT_TRUE(b.run_as_user("pkill -KILL -f '[w]aitress-serve --listen=0.0.0.0:" + port_key(kBasePortB) + "'").ok());
    EXPECT_TRUE(wait_for_worker(load, kBasePortB, 20, 30s)) << "the killed worker did not come back: " << load.summary();
    const json b_instances = worker_instances(lab, b);
    ASSERT_EQ(b_instances.size(), static_cast<std::size_t>(kWorkersPerHost)) << b_instances.dump();
    EXPECT_GE(b_instances[0].value("restarts", 0), 1) << "b's agent did not count a restart: " << b_instances.dump();
    EXPECT_EQ(load.failed(), 0u) << "after killing a worker on b: " << explain(load);

    // 2. A's pool is edited live: drain one of B's workers (no new requests reach it), bring it
    //    back with another weight, then remove one of C's workers and put it back.
    const std::string drained = b.address() + ":" + port_key(kBasePortB + 1);
    ASSERT_NO_FATAL_FAILURE(panel.set_server(a, "app", drained, "draining"));
    ASSERT_TRUE(load.wait_for_successes(100, 30s)) << load.summary();  // requests in flight settle
    const auto drained_count = load.tally()[port_key(kBasePortB + 1)];
    ASSERT_TRUE(load.wait_for_successes(300, 30s)) << load.summary();
    EXPECT_EQ(load.tally()[port_key(kBasePortB + 1)], drained_count) << "a draining server got new requests";
    ASSERT_NO_FATAL_FAILURE(panel.set_server(a, "app", drained, "active", 3));
    EXPECT_TRUE(wait_for_worker(load, kBasePortB + 1, 20, 30s)) << load.summary();
    const json fewer = json::array({server(b, kBasePortB), server(b, kBasePortB + 1), server(c, kBasePortC)});
    ASSERT_NO_FATAL_FAILURE(panel.apply(a, proxy_document(fewer)));
    ASSERT_TRUE(load.wait_for_successes(300, 30s)) << load.summary();
    ASSERT_NO_FATAL_FAILURE(panel.apply(a, proxy_document(servers)));
    EXPECT_TRUE(wait_for_worker(load, kBasePortC + 1, 20, 30s)) << load.summary();
    EXPECT_EQ(load.failed(), 0u) << "after live pool edits: " << explain(load);

    // 3. C reboots: every process of C dies (workers, agent, sshd, cron) and C boots with a new
    //    boot_id. Nothing of the panel or the test talks to C until its workers serve through A
    //    again, so the agent that started them was started by C's own boot (cron @reboot).
    const std::string boot_before = c.boot_id();
    const auto reboot_started = std::chrono::system_clock::now();
    c.reboot();
    EXPECT_NE(c.boot_id(), boot_before);
    EXPECT_TRUE(wait_for_worker(load, kBasePortC, 20, 45s)) << "c's workers did not come back: " << load.summary();
    EXPECT_TRUE(wait_for_worker(load, kBasePortC + 1, 20, 30s)) << load.summary();
    // Reboot-and-verify's checks, made here: the agent answers and was started at boot, not by
    // this connection; every worker runs; traffic reaches every upstream for a stable window.
    const RpcReply hello = agent_rpc(lab, c, "agent.hello");
    ASSERT_TRUE(hello.ok) << hello.describe();
    const std::string started_by = hello.result.value("started_by", "");
    EXPECT_NE(started_by, "rpc") << "c's agent was started by the panel's connection, not by its boot";
    if (panel.offers(c, "boot")) {
        EXPECT_EQ(started_by, "cron");
    }
    const auto started_ms = std::chrono::milliseconds(hello.result.value("daemon_started_at_ms", std::int64_t{0}));
    EXPECT_GE(std::chrono::system_clock::time_point(started_ms), reboot_started - 1s) << "c's agent predates the reboot";
    const json c_instances = worker_instances(lab, c);
    ASSERT_EQ(c_instances.size(), static_cast<std::size_t>(kWorkersPerHost)) << c_instances.dump();
    for (const auto& instance : c_instances) {
        EXPECT_EQ(instance.value("state", ""), "running") << instance.dump();
    }
    for (int port : {kBasePortB, kBasePortB + 1, kBasePortC, kBasePortC + 1}) {
        EXPECT_TRUE(wait_for_worker(load, port, 10, 20s)) << "stable window: " << port << " " << load.summary();
    }
    load.stop();
    EXPECT_EQ(load.failed(), 0u) << "during and after c's reboot: " << explain(load);

    std::cout << load.summary() << "\n" << panel.report() << "\n";
    RecordProperty("stand_ins", panel.report());
}

}  // namespace
}  // namespace fulcrum::testing
