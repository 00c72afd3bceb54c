// The real daemon on a real Unix socket: access rules, the hello handshake, the rpc bridge,
// and hostile input.
#include "tests/agent/support/test_agent.h"
#include "tests/agent/support/worker_helpers.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

namespace fulcrum::agent::test_support {
namespace {

using namespace std::chrono_literals;
namespace method = protocol::method;

class DaemonTest : public ::testing::Test {
protected:
    TempDir temp;
    std::filesystem::path state = temp.path() / "state";
};

TEST_F(DaemonTest, SocketIsPrivateAndHelloReportsTheDaemon) {
    TestDaemon daemon(state);
    ASSERT_TRUE(daemon.start());
    struct stat info {};
    ASSERT_EQ(::stat(daemon.socket().c_str(), &info), 0);
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(state.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);

    std::string error;
    auto connection = AgentConnection::connect(daemon.socket(), error);
    ASSERT_TRUE(connection) << error;
    auto early = connection->call<method::HostFactsGet>({}, 5s);
    ASSERT_FALSE(early.ok());
    EXPECT_TRUE(early.error().is(protocol::ErrorCode::HelloRequired));

    auto hello = connection->call<method::AgentHello>(protocol::HelloParams{"tests", "0", {}, {}}, 5s);
    ASSERT_TRUE(hello.ok()) << hello.error().message;
    EXPECT_EQ(hello.value().daemon_pid, daemon.process().pid()) << "setpriv execs in place";
    EXPECT_EQ(hello.value().started_by, "manual");
    EXPECT_EQ(hello.value().protocol, protocol::ProtocolVersion{});
    EXPECT_EQ(std::filesystem::path(hello.value().state_dir), state);

    auto facts = connection->call<method::HostFactsGet>({}, 10s);
    ASSERT_TRUE(facts.ok());
    EXPECT_GT(facts.value().cores, 0);
    EXPECT_EQ(facts.value().boot_id.size(), 36u);
    EXPECT_FALSE(facts.value().kernel.empty());
    EXPECT_FALSE(facts.value().glibc.empty());
    // Every machine has loopback: the host reports it with its whole network.
    const auto& addresses = facts.value().addresses;
    EXPECT_NE(std::find(addresses.begin(), addresses.end(), "127.0.0.1/8"), addresses.end())
        << nlohmann::json(addresses).dump();
    for (const auto& a : addresses) EXPECT_NE(a.rfind("fe80:", 0), 0u) << "link-local reported: " << a;
    if (running_as_root()) {
        EXPECT_EQ(facts.value().user, "fulcrum-test");
    }
}

TEST_F(DaemonTest, MismatchedMajorVersionIsRefusedClearly) {
    TestDaemon daemon(state);
    ASSERT_TRUE(daemon.start());
    std::string error;
    auto connection = AgentConnection::connect(daemon.socket(), error);
    ASSERT_TRUE(connection);
    auto hello = connection->call<method::AgentHello>(protocol::HelloParams{"tests", "9", {9, 0}, {}}, 5s);
    ASSERT_FALSE(hello.ok());
    EXPECT_TRUE(hello.error().is(protocol::ErrorCode::IncompatibleVersion));
    EXPECT_NE(hello.error().message.find("upgrade the agent"), std::string::npos) << hello.error().message;
    EXPECT_EQ(hello.error().data["client"]["major"], 9);
}

TEST_F(DaemonTest, OnlyOneDaemonPerStateDirectory) {
    TestDaemon first(state);
    ASSERT_TRUE(first.start());
    auto argv = first.command("daemon");
    auto second = ChildProcess::spawn(argv, false, temp.path() / "second.log");
    auto status = second.wait(10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(WEXITSTATUS(*status), 1);
    EXPECT_NE(read_small_file(temp.path() / "second.log").value_or("").find("already running"), std::string::npos);
    EXPECT_NO_THROW(first.connect());
}

TEST_F(DaemonTest, RefusesRootUnlessAllowed) {
    if (!running_as_root()) GTEST_SKIP() << "needs root to check the refusal";
    auto refused = ChildProcess::spawn({agent_binary(), "daemon", "--state-dir", state.string()}, false,
                                       temp.path() / "root.log");
    auto status = refused.wait(10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(WEXITSTATUS(*status), 2);
    EXPECT_NE(read_small_file(temp.path() / "root.log").value_or("").find("refusing to run as root"),
              std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(state / "agent.sock"));

    ChildProcess allowed = ChildProcess::spawn(
        {agent_binary(), "daemon", "--allow-root", "--state-dir", state.string()}, false, temp.path() / "allowed.log");
    ASSERT_TRUE(eventually([&] { return std::filesystem::exists(state / "agent.sock"); }, 10s));
    allowed.terminate();
    EXPECT_NE(read_small_file(temp.path() / "allowed.log").value_or("").find("WARNING"), std::string::npos);
}

TEST_F(DaemonTest, RpcBridgeStartsTheDaemonAndRelaysBothWays) {
    TestDaemon handle(state);  // not started: the bridge must start it
    auto bridge = ChildProcess::spawn(handle.command("rpc"), true);
    const std::string requests =
        R"({"jsonrpc":"2.0","id":1,"method":"agent.hello","params":{"client_name":"t"}})"
        "\n"
        R"({"jsonrpc":"2.0","id":2,"method":"host.facts"})"
        "\n";
    ASSERT_EQ(::write(bridge.stdin_fd(), requests.data(), requests.size()), static_cast<ssize_t>(requests.size()));
    bridge.close_stdin();
    const std::string output = read_all(bridge.stdout_fd(), 20s);
    auto status = bridge.wait(10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(WEXITSTATUS(*status), 0);
    EXPECT_NE(output.find(R"("started_by":"rpc")"), std::string::npos) << output;
    EXPECT_NE(output.find(R"("boot_id")"), std::string::npos) << output;

    // The daemon it started outlives the bridge, and a second bridge reuses it.
    auto lock = read_small_file(state / "agent.lock").value_or("0");
    const pid_t daemon_pid = std::stoi(lock);
    EXPECT_EQ(::kill(daemon_pid, 0), 0);
    auto again = ChildProcess::spawn(handle.command("rpc"), true);
    const std::string hello = R"({"jsonrpc":"2.0","id":1,"method":"agent.hello"})" "\n";
    ASSERT_GT(::write(again.stdin_fd(), hello.data(), hello.size()), 0);
    again.close_stdin();
    const std::string second = read_all(again.stdout_fd(), 20s);
    EXPECT_NE(second.find(R"("daemon_pid":)" + std::to_string(daemon_pid)), std::string::npos) << second;
    again.wait(10s);

    auto status_cmd = ChildProcess::spawn(handle.command("status"), true);
    const std::string words = read_all(status_cmd.stdout_fd(), 20s);
    EXPECT_NE(words.find("is running"), std::string::npos) << words;
    status_cmd.wait(10s);

    ::kill(daemon_pid, SIGTERM);
    EXPECT_TRUE(eventually([&] { return ::kill(daemon_pid, 0) != 0; }, 10s));
}

TEST_F(DaemonTest, StatusSaysWhenTheDaemonIsNotRunning) {
    TestDaemon handle(state);
    auto status_cmd = ChildProcess::spawn(handle.command("status"), true);
    const std::string words = read_all(status_cmd.stdout_fd(), 10s);
    auto status = status_cmd.wait(10s);
    ASSERT_TRUE(status);
    EXPECT_EQ(WEXITSTATUS(*status), 3);
    EXPECT_NE(words.find("not running"), std::string::npos) << words;
}

// RPC fuzz smoke: thousands of hostile lines on a live socket; the daemon answers each with an
// error and still serves afterwards.
TEST_F(DaemonTest, SurvivesHostileInputAndKeepsServing) {
    TestDaemon daemon(state);
    ASSERT_TRUE(daemon.start());
    auto connection = daemon.connect();

    std::mt19937 random(12345);  // fixed seed: a failure reproduces
    const std::vector<std::string> fragments = {
        "{", "}", "[", "]", "\"jsonrpc\"", ":", "\"2.0\"", ",", "\"id\"", "1", "\"method\"", "\"workers.scale\"",
        "\"params\"", "null", "-1e999", "\"\\u0000\"", "\xff", "\"count\"", "\"group\"", "true", "\"agent.hello\""};
    std::string batch;
    for (int line = 0; line < 3000; ++line) {
        const int parts = static_cast<int>(random() % 30);
        for (int i = 0; i < parts; ++i) batch += fragments[random() % fragments.size()];
        batch += '\n';
    }
    batch += std::string(200, '[') + "\n";
    batch += "{\"jsonrpc\":\"2.0\",\"id\":\"big\",\"method\":\"x\",\"params\":{\"a\":\"" +
             std::string(5 * 1024 * 1024, 'a') + "\"}}\n";
    ASSERT_TRUE(connection.send_line(batch));
    auto facts = connection.call<method::HostFactsGet>({}, 60s);
    ASSERT_TRUE(facts.ok()) << facts.error().message;
    EXPECT_EQ(::kill(daemon.process().pid(), 0), 0);

    // Every answer to the hostile lines was a well-formed error or result line.
    auto fresh = daemon.connect();
    EXPECT_TRUE(fresh.call<method::HostFactsGet>({}, 10s).ok());
}

TEST_F(DaemonTest, HalfClosedClientStillGetsItsAnswers) {
    TestDaemon daemon(state);
    ASSERT_TRUE(daemon.start());
    std::string error;
    auto connection = AgentConnection::connect(daemon.socket(), error);
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send_line(R"({"jsonrpc":"2.0","id":1,"method":"agent.hello"})" "\n"
                                      R"({"jsonrpc":"2.0","id":2,"method":"host.facts"})" "\n"));
    ::shutdown(connection->fd(), SHUT_WR);
    int answers = 0;
    while (auto line = connection->read_line(10s)) ++answers;
    EXPECT_EQ(answers, 2);
}

// A call that answers later (config.apply waits for the proxy it starts to take the config)
// must still be answered to a client that closed its sending side right after asking, as the
// rpc bridge does when its stdin ends (`fulcrum-agent rpc < requests`, the panel's SSH
// channel): the session must not go away with the call pending. It did: after the peer's
// EOF nothing held the session, and the reply found it gone — a race lost whenever the proxy
// took longer to start than the client took to close.
TEST_F(DaemonTest, HalfClosedClientGetsTheAnswerOfACallThatFinishesLater) {
    TestDaemon daemon(state);
    ASSERT_TRUE(daemon.start());
    std::string error;
    auto connection = AgentConnection::connect(daemon.socket(), error);
    ASSERT_TRUE(connection) << error;
    const nlohmann::json document = {
        {"listeners", {{{"name", "http"}, {"address", "127.0.0.1:" + std::to_string(free_port_range(1))}}}},
        {"routes", {{{"path_prefix", "/"}, {"pool", "app"}}}},
        {"pools", {{{"name", "app"}, {"servers", {{{"address", "127.0.0.1:9"}}}}}}}};
    const nlohmann::json apply = {{"jsonrpc", "2.0"},
                                  {"id", 2},
                                  {"method", "config.apply"},
                                  {"params", {{"config", {{"document", document}}}}}};
    ASSERT_TRUE(connection->send_line(R"({"jsonrpc":"2.0","id":1,"method":"agent.hello"})" "\n" + apply.dump() + "\n"));
    ::shutdown(connection->fd(), SHUT_WR);
    nlohmann::json answer;
    while (auto line = connection->read_line(30s)) {
        const auto message = nlohmann::json::parse(*line, nullptr, false);
        if (message.is_object() && message.value("id", 0) == 2) answer = message;
    }
    ASSERT_TRUE(answer.is_object()) << "no answer to config.apply";
    ASSERT_TRUE(answer.contains("result")) << answer.dump();
    EXPECT_TRUE(answer["result"].value("proxy_reloaded", false)) << answer.dump();
}

}  // namespace
}  // namespace fulcrum::agent::test_support
