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

// C also serves its own workers through a proxy of its own (a pool following the group), so
// that reboot-and-verify on C has listeners to find bound and upstreams to reach.
json workers_behind_own_proxy(int base_port) {
    json document = workers_document(base_port);
    document["listeners"] = {{{"name", "http"}, {"address", "0.0.0.0:" + port_key(kProxyPort)}}};
    document["routes"] = {{{"path_prefix", "/"}, {"pool", "local"}}};
    document["pools"] = {{{"name", "local"}, {"follow_workers", "web"}}};
    return document;
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

    // A server's state and weight in a pool of the host's proxy: through the product (fulcrum-ctl,
    // else the agent's RPC as fulcrum-ctl uses it) where the agent runs the proxy, on the admin
    // socket of the proxy the test started itself where it does not.
    void set_server(SimHost& host, const std::string& pool, const std::string& address, const std::string& state,
                    std::optional<int> weight = std::nullopt) {
        if (!offers(host, "proxy")) {
            ASSERT_TRUE(m_standalone_proxy_started) << "no proxy runs on " << host.name() << " to set a server of";
            json command = {{"command", "set_server"}, {"pool", pool}, {"address", address}, {"state", state}};
            if (weight) command["weight"] = *weight;
            admin(host, command);
            return;
        }
        if (m_ctl) {
            std::vector<std::string> args{"pool", "set-server", host.name(), pool, address, "--state", state};
            if (weight) args.insert(args.end(), {"--weight", std::to_string(*weight)});
            const CommandResult r = m_ctl->run(args, 30s);
            ASSERT_TRUE(r.ok()) << r.out << r.err;
            return;
        }
        stand_ins["set-server on " + host.name()] =
            "config.get, the server edited, config.apply with expected_version over the agent's RPC, as fulcrum-ctl "
            "pool set-server does (fulcrum-ctl is not built)";
        const RpcReply current = agent_rpc(m_lab, host, "config.get");
        ASSERT_TRUE(current.ok) << current.describe();
        json document = current.result.value("document", json::object());
        json* edited = nullptr;
        if (document.is_object() && document.contains("pools") && document["pools"].is_array()) {
            for (auto& p : document["pools"]) {
                if (!p.is_object() || p.value("name", "") != pool || !p.contains("servers") || !p["servers"].is_array()) continue;
                for (auto& s : p["servers"]) {
                    if (s.is_object() && s.value("address", "") == address) edited = &s;
                }
            }
        }
        ASSERT_NE(edited, nullptr) << host.name() << " has no server " << address << " in pool " << pool << ": "
                                   << document.dump();
        (*edited)["state"] = state;
        if (weight) (*edited)["weight"] = *weight;
        const RpcReply applied = agent_rpc(m_lab, host, "config.apply",
                                           {{"config", {{"document", document}}},
                                            {"expected_version", current.result.value("version", std::int64_t{0})},
                                            {"comment", "multi_host_test set-server " + pool + " " + address + " " + state}});
        ASSERT_TRUE(applied.ok) << applied.describe();
    }

    // Boot persistence: the agent's boot.install where offered, else the @reboot line the
    // agent is specified to install (design.md: "four @reboot cron lines" become one).
    void install_boot(SimHost& host) {
        if (m_ctl && offers(host, "boot")) {
            const CommandResult r = m_ctl->run({"boot", "install", host.name(), "--mechanism", "cron"}, 30s);
            ASSERT_TRUE(r.ok()) << r.out << r.err;
            ASSERT_NE(r.out.find("the agent starts"), std::string::npos) << r.out;
            return;
        }
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

    bool has_ctl() const { return m_ctl != nullptr; }

    // fulcrum-ctl reboot-verify ARGS... --json, rebooting with the simulated host's own
    // command (what `sudo systemctl reboot` is on a real server); the report and the result.
    std::pair<json, CommandResult> reboot_verify(std::vector<std::string> args, std::chrono::milliseconds timeout = 180s) {
        args.insert(args.begin(), "reboot-verify");
        args.insert(args.end(), {"--reboot-command", SimHost::reboot_command(), "--json"});
        const CommandResult r = m_ctl->run(args, timeout);
        return {json::parse(r.out, nullptr, false), r};
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
    ASSERT_NO_FATAL_FAILURE(panel.apply(c, workers_behind_own_proxy(kBasePortC)));
    json servers = json::array();
    for (int i = 0; i < kWorkersPerHost; ++i) servers.push_back(server(b, kBasePortB + i));
    for (int i = 0; i < kWorkersPerHost; ++i) servers.push_back(server(c, kBasePortC + i));
    ASSERT_NO_FATAL_FAILURE(panel.apply(a, proxy_document(servers)));
    ASSERT_NO_FATAL_FAILURE(panel.install_boot(c));
    const CommandResult crontab = c.run_as_user("crontab -l");
    ASSERT_NE(crontab.out.find("@reboot"), std::string::npos) << "no @reboot line on c: " << crontab.out << crontab.err;

    constexpr int kLoadConnections = 2;
    HttpLoad load({.address = a.address(),
                   .port = kProxyPort,
                   .path = "/api/whoami",
                   .connections = kLoadConnections,
                   .max_requests = 120000,
                   .max_duration = 240s});
    load.start();
    const auto load_started = std::chrono::steady_clock::now();
    const auto since_load_start = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - load_started);
    };
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

    // 3. C reboots: every process of C dies (workers, agent, proxy, sshd, cron) and C boots with
    //    a new boot_id. The panel's reboot-and-verify (fulcrum-ctl reboot-verify, a process of
    //    its own) issues the reboot, follows C down and back up and checks every step; its
    //    verdict must be green with each step's evidence, while A keeps serving.
    const std::string boot_before = c.boot_id();
    const auto c_reboot_from = since_load_start();
    if (panel.has_ctl()) {
        const auto [report, run] = panel.reboot_verify({"c", "--stability-seconds", "3"});
        ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
        ASSERT_EQ(report.value("verdict", ""), "passed") << run.out;
        std::map<std::string, std::string> evidence;
        for (const auto& step : report["steps"]) {
            EXPECT_EQ(step.value("status", ""), "passed") << step.dump(2);
            EXPECT_FALSE(step.value("evidence", "").empty()) << step.dump(2);
            evidence[step.value("step", "")] = step.value("evidence", "");
        }
        EXPECT_EQ(evidence.size(), 11u) << run.out;
        EXPECT_NE(evidence["record_boot_id"].find(boot_before), std::string::npos) << evidence["record_boot_id"];
        EXPECT_NE(evidence["new_boot_id"].find("→ " + c.boot_id()), std::string::npos) << evidence["new_boot_id"];
        EXPECT_NE(evidence["agent_from_boot"].find("started_by \"cron\""), std::string::npos) << evidence["agent_from_boot"];
        EXPECT_NE(evidence["workers_healthy"].find("web: 2/2 running"), std::string::npos) << evidence["workers_healthy"];
        EXPECT_NE(evidence["listeners_bound"].find("accepts connections at " + c.address() + ":" + port_key(kProxyPort)),
                  std::string::npos) << evidence["listeners_bound"];
        EXPECT_NE(evidence["upstreams_reachable"].find("answered from ports " + port_key(kBasePortC) + ", " +
                                                       port_key(kBasePortC + 1)),
                  std::string::npos) << evidence["upstreams_reachable"];
        std::cout << "reboot-verify c (live lines):\n" << run.err;
    } else {
        panel.stand_ins["reboot-verify"] = "reboot and its checks done by the test (fulcrum-ctl is not built)";
        const auto reboot_started = std::chrono::system_clock::now();
        c.reboot();
        EXPECT_TRUE(wait_for_worker(load, kBasePortC, 20, 45s)) << "c's workers did not come back: " << load.summary();
        const RpcReply hello = agent_rpc(lab, c, "agent.hello");
        ASSERT_TRUE(hello.ok) << hello.describe();
        EXPECT_NE(hello.result.value("started_by", ""), "rpc") << "c's agent was started by the panel's connection";
        const auto started_ms = std::chrono::milliseconds(hello.result.value("daemon_started_at_ms", std::int64_t{0}));
        EXPECT_GE(std::chrono::system_clock::time_point(started_ms), reboot_started - 1s) << "c's agent predates the reboot";
        const json c_instances = worker_instances(lab, c);
        ASSERT_EQ(c_instances.size(), static_cast<std::size_t>(kWorkersPerHost)) << c_instances.dump();
        for (const auto& instance : c_instances) EXPECT_EQ(instance.value("state", ""), "running") << instance.dump();
    }
    EXPECT_NE(c.boot_id(), boot_before);
    for (int port : {kBasePortB, kBasePortB + 1, kBasePortC, kBasePortC + 1}) {
        EXPECT_TRUE(wait_for_worker(load, port, 10, 30s)) << "after c's reboot: " << port << " " << load.summary();
    }
    // C's power goes off with every process on it killed at once (SIGKILL, as a crash or a
    // power cut): a response a worker on C had begun to send is cut, and the proxy, having
    // passed its head on, can only close the client's connection (nginx and HAProxy do the
    // same). That is the one failure allowed here: at most one per load connection, during
    // the reboot, and only inside a body. A request that reached C's dead workers before
    // any response byte must have been retried on another server, so it never shows.
    const auto c_reboot_to = since_load_start();
    const std::uint64_t failed_by_c_reboot = load.failed();
    EXPECT_LE(failed_by_c_reboot, std::uint64_t{kLoadConnections}) << "during and after c's reboot: " << explain(load);
    for (const auto& failure : load.failures()) {
        EXPECT_NE(failure.reason.find("inside the body"), std::string::npos)
            << "a request failed during c's reboot that the proxy should have retried: " << explain(load);
        EXPECT_GE(failure.at, c_reboot_from) << explain(load);
        EXPECT_LE(failure.at, c_reboot_to) << explain(load);
    }

    // 4. Rolling reboot of B, A's worker host: B's servers are drained out of A's pool, nothing
    //    is in flight on them, B reboots and verifies green, and A's pool is restored — without
    //    a single failed request through A.
    if (panel.has_ctl()) {
        ASSERT_NO_FATAL_FAILURE(panel.install_boot(b));
        const std::string b_boot = b.boot_id();
        const auto [report, run] = panel.reboot_verify({"b", "--rolling", "--drain-on", "a", "--stability-seconds", "2"});
        ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
        ASSERT_EQ(report.value("verdict", ""), "passed") << run.out;
        const json& host = report["hosts"][0];
        EXPECT_EQ(host.value("phase", ""), "passed") << host.dump(2);
        const std::string drain = host.value("drain", ""), restore = host.value("restore", "");
        for (int port : {kBasePortB, kBasePortB + 1}) {
            const std::string address = b.address() + ":" + port_key(port);
            EXPECT_NE(drain.find(address + " in pool app (was active)"), std::string::npos) << drain;
            EXPECT_NE(restore.find(address + " in pool app to active"), std::string::npos) << restore;
        }
        EXPECT_NE(drain.find(": draining " + b.address()), std::string::npos) << drain;
        EXPECT_NE(drain.find("no request in flight"), std::string::npos) << drain;
        EXPECT_EQ(drain.find(c.address()), std::string::npos) << "c's servers were drained for b: " << drain;
        for (const auto& step : host["steps"]) {
            const std::string key = step.value("step", "");
            // B runs workers only: no listener to find bound, no upstream to reach through it.
            const bool no_proxy = key == "listeners_bound" || key == "upstreams_reachable";
            EXPECT_EQ(step.value("status", ""), no_proxy ? "skipped" : "passed") << step.dump(2);
        }
        EXPECT_NE(b.boot_id(), b_boot);
        const RpcReply a_config = agent_rpc(lab, a, "config.get");
        ASSERT_TRUE(a_config.ok) << a_config.describe();
        for (const auto& s : a_config.result["document"]["pools"][0]["servers"]) {
            EXPECT_EQ(s.value("state", "active"), "active") << s.dump();
        }
        for (int port : {kBasePortB, kBasePortB + 1}) {
            EXPECT_TRUE(wait_for_worker(load, port, 10, 30s)) << "b back in a's pool: " << port << " " << load.summary();
        }
        std::cout << "reboot-verify b --rolling (live lines):\n" << run.err;
    }
    load.stop();
    EXPECT_EQ(load.failed(), failed_by_c_reboot) << "during b's rolling reboot: " << explain(load);

    std::cout << load.summary() << "\n" << panel.report() << "\n";
    RecordProperty("stand_ins", panel.report());
}

// The failure path on a real simulated host: a worker group whose command needs a file in /tmp
// (a classic: state kept on a tmpfs). It runs before the reboot; after it /tmp is empty, the
// worker cannot start, and reboot-and-verify is red at exactly that step, with the worker's
// own last log lines as evidence.
TEST_F(MultiHostTest, RebootVerifyIsRedWithTheWorkersLogWhenAWorkerNeedsWhatTheRebootErased) {
    SimLab lab({"c"});
    SimHost& c = lab.host("c");
    Panel panel(lab);
    if (!panel.has_ctl()) GTEST_SKIP() << "fulcrum-ctl is not built";
    ASSERT_NO_FATAL_FAILURE(panel.deploy(c));
    json document = workers_document(kBasePortC);
    document["workers"].push_back(
        {{"name", "cache"},
         {"command", {"/bin/sh", "-c", "cat /tmp/cache-seed && exec /usr/bin/waitress-serve --listen=0.0.0.0:{port} demo_app:application"}},
         {"count", 1},
         {"base_port", kBasePortC + 90},
         {"cwd", std::string(FULCRUM_SOURCE_DIR) + "/resources/demo"},
         {"health", {{"type", "http"}, {"path", "/healthz"}}},
         {"restart", {{"policy", "always"}, {"backoff_initial_ms", 100}, {"backoff_max_ms", 300}, {"stable_after_ms", 5000},
                      {"max_fast_failures", 3}}},
         {"stop_grace_ms", 2000}});
    ASSERT_TRUE(c.run_as_user("echo seed > /tmp/cache-seed").ok());
    ASSERT_NO_FATAL_FAILURE(panel.apply(c, document));
    ASSERT_NO_FATAL_FAILURE(panel.install_boot(c));
    bool running = false;
    for (int i = 0; i < 100 && !running; ++i) {
        running = true;
        const RpcReply list = agent_rpc(lab, c, "workers.list");
        for (const auto& g : list.result.value("groups", json::array()))
            for (const auto& instance : g.value("instances", json::array())) running &= instance.value("state", "") == "running";
        if (!running) std::this_thread::sleep_for(200ms);
    }
    ASSERT_TRUE(running) << "the workers never ran before the reboot";

    const std::string boot_before = c.boot_id();
    const auto [report, run] = panel.reboot_verify({"c", "--stability-seconds", "2"});
    EXPECT_EQ(run.exit_code, 5) << run.out << run.err;
    EXPECT_NE(c.boot_id(), boot_before) << "the host did not reboot";
    ASSERT_EQ(report.value("verdict", ""), "failed") << run.out;
    EXPECT_EQ(report.value("failure", "").rfind("Workers running and healthy: ", 0), 0u) << report.value("failure", "");
    std::map<std::string, json> steps;
    for (const auto& step : report["steps"]) steps[step.value("step", "")] = step;
    for (const char* passed : {"preflight", "record_boot_id", "issue_reboot", "host_down", "host_up", "new_boot_id", "agent_from_boot"}) {
        EXPECT_EQ(steps[passed].value("status", ""), "passed") << steps[passed].dump(2);
    }
    const json& workers = steps["workers_healthy"];
    EXPECT_EQ(workers.value("status", ""), "failed") << workers.dump(2);
    const std::string evidence = workers.value("evidence", "");
    EXPECT_NE(evidence.find("cache: 0/1 running"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("cache[0] port " + port_key(kBasePortC + 90) + ": failing"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("last log lines of cache[0]"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("/tmp/cache-seed: No such file or directory"), std::string::npos) << evidence;
    for (const char* after : {"listeners_bound", "upstreams_reachable", "stability"}) {
        EXPECT_EQ(steps[after].value("status", ""), "skipped") << steps[after].dump(2);
    }
    // The live lines name the failed step and show the same evidence.
    EXPECT_NE(run.err.find("[ 8/11] Workers running and healthy: failed"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("No such file or directory"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace fulcrum::testing
