// RpcClient over LocalAgentTransport: against the real fulcrum-agent (rpc bridge + daemon in a
// temporary state directory) and against hostile "agents" — real child processes (shell
// scripts) that answer with garbage, never answer, or die mid-call.
#include "app/rpc/agent_locator.h"
#include "app/rpc/local_agent_transport.h"
#include "app/rpc/rpc_client.h"
#include "tests/app/test_support.h"
#include "tests/support/sshd_fixture.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

namespace fulcrum::app {
namespace {

namespace method = protocol::method;

using test::waitUntil;

class RpcClientTest : public ::testing::Test {
protected:
    void TearDown() override {
        client.reset();
        transport.reset();
        // The daemon started by `rpc` outlives the bridge by design; end the test's own.
        testing::SshdFixture::kill_processes_under(dir.path().toStdString());
    }

    void start(LocalAgentOptions options) {
        transport = std::make_unique<LocalAgentTransport>(std::move(options));
        client = std::make_unique<RpcClient>();
        client->setTransport(transport.get());
        QSignalSpy opened(transport.get(), &RpcTransport::opened);
        transport->open();
        ASSERT_TRUE(opened.wait(10000)) << transport->stderrTail().toStdString();
    }
    void startRealAgent() {
        LocalAgentOptions options;
        options.environment.insert(QStringLiteral("XDG_STATE_HOME"), dir.path() + QStringLiteral("/state"));
        start(options);
    }
    // A fake agent that is a real process: `script` is the body of a /bin/sh script.
    void startScript(const QByteArray& script) {
        const QString path = dir.path() + QStringLiteral("/agent.sh");
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("#!/bin/sh\n" + script);
        file.close();
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        LocalAgentOptions options;
        options.agentPath = path;
        start(options);
    }

    protocol::HelloParams hello() const { return {"fulcrum-test", FULCRUM_VERSION, {}, {}}; }

    QTemporaryDir dir;
    std::unique_ptr<LocalAgentTransport> transport;
    std::unique_ptr<RpcClient> client;
};

TEST_F(RpcClientTest, TalksToTheRealAgent) {
    ASSERT_FALSE(locateAgentBinary().path.isEmpty()) << locateAgentBinary().errorText().toStdString();
    startRealAgent();
    std::optional<protocol::Outcome<protocol::HelloResult>> greeting;
    client->call<method::AgentHello>(hello(), nullptr, [&](auto outcome) { greeting = std::move(outcome); });
    ASSERT_TRUE(waitUntil([&] { return greeting.has_value(); })) << transport->stderrTail().toStdString();
    ASSERT_TRUE(greeting->ok()) << greeting->error().message;
    EXPECT_EQ(greeting->value().agent_version, FULCRUM_VERSION);
    EXPECT_GT(greeting->value().daemon_pid, 0);
    EXPECT_EQ(greeting->value().state_dir, (dir.path() + QStringLiteral("/state/fulcrum")).toStdString());

    std::optional<protocol::Outcome<protocol::HostFacts>> facts;
    client->call<method::HostFactsGet>({}, nullptr, [&](auto outcome) { facts = std::move(outcome); });
    ASSERT_TRUE(waitUntil([&] { return facts.has_value(); }));
    ASSERT_TRUE(facts->ok()) << facts->error().message;
    EXPECT_FALSE(facts->value().boot_id.empty());
    EXPECT_EQ(client->pendingCount(), 0);
}

TEST_F(RpcClientTest, PassesTheAgentsOwnErrorsThrough) {
    startRealAgent();
    // The agent refuses every call before agent.hello on a connection.
    std::optional<protocol::Outcome<protocol::HostFacts>> facts;
    client->call<method::HostFactsGet>({}, nullptr, [&](auto outcome) { facts = std::move(outcome); });
    ASSERT_TRUE(waitUntil([&] { return facts.has_value(); }));
    ASSERT_FALSE(facts->ok());
    EXPECT_TRUE(facts->error().is(protocol::ErrorCode::HelloRequired)) << facts->error().message;
    EXPECT_FALSE(RpcClient::isConnectionLost(facts->error()));
    EXPECT_FALSE(RpcClient::isTimeout(facts->error()));
}

TEST_F(RpcClientTest, SurvivesGarbageAndStillMatchesTheRealAnswer) {
    // Before answering request 1 the "agent" sends: garbage, a request, an answer to an id
    // never asked, a wrongly typed notification, a 40 MB line without newline-free bounds, and
    // a result of the wrong shape for id 2. Only then the right answer to id 1.
    startScript(R"(read line
echo 'this is not json'
echo '{"jsonrpc":"2.0","id":7,"method":"evil","params":{}}'
echo '{"jsonrpc":"2.0","id":999,"result":{"ok":true}}'
echo '{"jsonrpc":"2.0","id":"x","error":{"code":-32700,"message":"parse"}}'
echo '{"jsonrpc":"2.0","method":"workers.changed","params":{"group":42}}'
head -c 40000000 /dev/zero | tr '\0' 'a'; echo
read line2
echo '{"jsonrpc":"2.0","id":2,"result":{"agent_version":17}}'
echo '{"jsonrpc":"2.0","id":1,"result":{"agent_version":"9.9.9","protocol":{"major":1,"minor":0},"capabilities":[],"daemon_pid":5,"daemon_started_at_ms":1,"started_by":"rpc","state_dir":"/x"}}'
sleep 5
)");
    QSignalSpy errors(client.get(), &RpcClient::protocolError);
    QSignalSpy workers(client.get(), &RpcClient::workersChanged);
    std::optional<protocol::Outcome<protocol::HelloResult>> first, second;
    int firstCalls = 0;
    client->call<method::AgentHello>(hello(), nullptr, [&](auto outcome) {
        ++firstCalls;
        first = std::move(outcome);
    });
    client->call<method::AgentHello>(hello(), nullptr, [&](auto outcome) { second = std::move(outcome); });
    ASSERT_TRUE(waitUntil([&] { return first.has_value() && second.has_value(); }, 30000));
    ASSERT_TRUE(first->ok()) << first->error().message;
    EXPECT_EQ(first->value().agent_version, "9.9.9");
    ASSERT_FALSE(second->ok());
    EXPECT_TRUE(second->error().is(protocol::ErrorCode::InternalError)) << second->error().message;
    EXPECT_NE(second->error().message.find("agent_version"), std::string::npos) << second->error().message;
    EXPECT_GE(errors.size(), 5);  // garbage, request, unidentifiable answer, bad notification, long line
    EXPECT_EQ(workers.size(), 0);
    EXPECT_EQ(firstCalls, 1);
    EXPECT_TRUE(transport->isOpen());  // survived it all
}

TEST_F(RpcClientTest, TimesOutAndDropsTheLateAnswer) {
    startScript(R"(read line
sleep 1
echo '{"jsonrpc":"2.0","id":1,"result":{"ok":true}}'
sleep 5
)");
    std::optional<protocol::Outcome<protocol::HelloResult>> result;
    int calls = 0;
    client->call<method::AgentHello>(
        hello(), nullptr,
        [&](auto outcome) {
            ++calls;
            result = std::move(outcome);
        },
        std::chrono::milliseconds(200));
    ASSERT_TRUE(waitUntil([&] { return result.has_value(); }, 5000));
    ASSERT_FALSE(result->ok());
    EXPECT_TRUE(RpcClient::isTimeout(result->error())) << result->error().message;
    QTest::qWait(1500);  // the late answer arrives and must be ignored
    EXPECT_EQ(calls, 1);
}

TEST_F(RpcClientTest, FailsEveryPendingCallOnceWhenTheAgentDies) {
    startScript("read line\nexit 3\n");
    QSignalSpy lost(client.get(), &RpcClient::connectionLost);
    int calls = 0;
    std::vector<protocol::Error> failures;
    for (int i = 0; i < 3; ++i) {
        client->call<method::HostFactsGet>({}, nullptr, [&](auto outcome) {
            ++calls;
            if (!outcome.ok()) failures.push_back(outcome.error());
        });
    }
    ASSERT_TRUE(waitUntil([&] { return calls == 3; }));
    QTest::qWait(100);
    EXPECT_EQ(calls, 3);
    ASSERT_EQ(failures.size(), 3u);
    for (const auto& error : failures) {
        EXPECT_TRUE(RpcClient::isConnectionLost(error)) << error.message;
        EXPECT_NE(error.message.find("did not send it again"), std::string::npos) << error.message;
        EXPECT_NE(error.message.find("status 3"), std::string::npos) << error.message;
    }
    EXPECT_EQ(lost.size(), 1);
    EXPECT_FALSE(transport->isOpen());

    // A call on a closed pipe fails too, but never inside call() itself.
    bool failed = false;
    client->call<method::HostFactsGet>({}, nullptr, [&](auto outcome) { failed = !outcome.ok(); });
    EXPECT_FALSE(failed);
    ASSERT_TRUE(waitUntil([&] { return failed; }, 2000));
}

TEST_F(RpcClientTest, TypedNotificationsBecomeSignals) {
    startScript(R"(echo '{"jsonrpc":"2.0","method":"workers.changed","params":{"group":{"name":"web","state":"running","command":"x","desired_count":2,"instances":[],"failing_reason":""}}}'
echo '{"jsonrpc":"2.0","method":"some.future.thing","params":{"a":1}}'
sleep 5
)");
    QSignalSpy workers(client.get(), &RpcClient::workersChanged);
    QSignalSpy any(client.get(), &RpcClient::notificationReceived);
    ASSERT_TRUE(waitUntil([&] { return any.size() == 2; }, 5000));
    ASSERT_EQ(workers.size(), 1);
    const auto change = workers.at(0).at(0).value<protocol::WorkersChanged>();
    EXPECT_EQ(change.group.name, "web");
    EXPECT_EQ(change.group.state, protocol::GroupState::running);
    EXPECT_EQ(any.at(1).at(0).toString(), QStringLiteral("some.future.thing"));
}

TEST_F(RpcClientTest, ContextDestructionCancelsTheCallback) {
    startScript("read line\nsleep 0.3\necho '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}'\nsleep 5\n");
    bool called = false;
    auto context = std::make_unique<QObject>();
    client->call<method::HostFactsGet>({}, context.get(), [&](auto) { called = true; });
    context.reset();
    QTest::qWait(800);
    EXPECT_FALSE(called);
    EXPECT_EQ(client->pendingCount(), 0);
}

TEST_F(RpcClientTest, MissingAgentBinaryIsAClearError) {
    LocalAgentOptions options;
    options.agentPath = dir.path() + QStringLiteral("/nowhere/fulcrum-agent");
    transport = std::make_unique<LocalAgentTransport>(options);
    QSignalSpy closed(transport.get(), &RpcTransport::closed);
    transport->open();
    ASSERT_TRUE(closed.wait(5000));
    EXPECT_TRUE(closed.at(0).at(0).toString().contains(QStringLiteral("Could not start"))) << closed.at(0).at(0).toString().toStdString();
}

}  // namespace
}  // namespace fulcrum::app
