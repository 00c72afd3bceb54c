// HostSession against real parts: the local agent child ("This computer") and a real OpenSSH
// sshd (tests/support) running the real agent on an exec channel. Covers host keys, login
// failures, a missing agent, sshd killed mid-session and the reconnect with backoff.
#include "app/rpc/agent_locator.h"
#include "app/rpc/host_session.h"
#include "app/ssh/known_hosts.h"
#include "tests/app/test_prompter.h"
#include "tests/app/test_support.h"
#include "tests/support/sshd_fixture.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

namespace fulcrum::app {
namespace {

using testing::SshdFixture;
using State = HostSession::State;
namespace method = protocol::method;

using test::waitUntil;

// Confirms unknown host keys and records what it was shown.
class ConfirmingPrompter final : public AuthPrompter {
public:
    std::optional<QString> keyPassphrase(const QString&, int) override { return std::nullopt; }
    std::optional<QString> password(const QString&, int) override { return std::nullopt; }
    std::optional<QStringList> keyboardInteractive(const QString&, const KeyboardInteractiveRound&) override {
        return std::nullopt;
    }
    bool confirmUnknownHostKey(const QString& host, const HostKeyInfo& key) override {
        shownHost = host;
        shown = key;
        return answer;
    }
    bool answer = true;
    QString shownHost;
    std::optional<HostKeyInfo> shown;
};

TEST(HostSessionLocal, ConnectsToThisComputerAndCloses) {
    QTemporaryDir dir;
    LocalAgentOptions local;
    local.environment.insert(QStringLiteral("XDG_STATE_HOME"), dir.path());
    {
        HostSession session(HostEndpoint::thisComputer(local), {}, test::fastSessionTimings());
        QSignalSpy connected(&session, &HostSession::connected);
        session.open();
        ASSERT_TRUE(connected.wait(15000)) << session.statusText().toStdString();
        EXPECT_EQ(session.state(), State::Connected);
        EXPECT_EQ(session.agent()->agent_version, FULCRUM_VERSION);
        EXPECT_TRUE(session.statusText().contains(QStringLiteral("This computer")));

        std::optional<protocol::Outcome<protocol::HostFacts>> facts;
        session.rpc()->call<method::HostFactsGet>({}, nullptr, [&](auto o) { facts = std::move(o); });
        ASSERT_TRUE(waitUntil([&] { return facts.has_value(); }));
        EXPECT_TRUE(facts->ok());

        // The heartbeat keeps the session up while nothing else is said.
        QTest::qWait(1500);
        EXPECT_EQ(session.state(), State::Connected);

        session.close();
        EXPECT_EQ(session.state(), State::Disconnected);
    }
    SshdFixture::kill_processes_under(dir.path().toStdString());
}

TEST(HostSessionLocal, MissingAgentBinaryIsAnErrorNotARetryLoop) {
    LocalAgentOptions local;
    local.agentPath = QStringLiteral("/nonexistent/fulcrum-agent");
    HostSession session(HostEndpoint::thisComputer(local), {}, test::fastSessionTimings());
    session.open();
    ASSERT_TRUE(waitUntil([&] { return session.state() == State::Error; }, 10000)) << session.statusText().toStdString();
    EXPECT_EQ(session.problem(), HostSession::Problem::Local);
    EXPECT_EQ(session.failedAttempts(), 0);
    EXPECT_TRUE(session.statusText().contains(QStringLiteral("/nonexistent/fulcrum-agent"))) << session.statusText().toStdString();
}

class HostSessionSsh : public ::testing::Test {
protected:
    void SetUp() override { sshd = std::make_unique<SshdFixture>(); }
    void TearDown() override { sshd.reset(); }

    SshTarget target(HostKeyPolicy policy = HostKeyPolicy::AcceptNew) const {
        SshTarget t = test::fixtureTarget(*sshd, policy);
        t.identityFiles << QString::fromStdString(sshd->user_key_path());
        t.identitiesOnly = true;
        t.keepaliveInterval = std::chrono::seconds(1);
        return t;
    }
    // Puts the real agent where the session runs it, over SFTP (deploy proper is app/deploy).
    void installAgent() {
        SshConnection connection;
        NoPrompter none;
        ASSERT_FALSE(connection.open(target(), none));
        auto made = connection.exec("mkdir -p ~/.local/lib/fulcrum");
        ASSERT_TRUE(std::holds_alternative<ExecResult>(made));
        const QString remote = QString::fromStdString(sshd->remote_home()) + QStringLiteral("/.local/lib/fulcrum/fulcrum-agent");
        ASSERT_FALSE(connection.upload(locateAgentBinary().path, remote, 0755, {}));
    }
    std::string context() const { return "\nsshd log:\n" + sshd->log(); }

    std::unique_ptr<SshdFixture> sshd;
};

TEST_F(HostSessionSsh, ConnectsRunsTheAgentAndReconnectsAfterSshdIsKilled) {
    installAgent();
    HostSession session(HostEndpoint::overSsh(target()), {}, test::fastSessionTimings());
    QSignalSpy connected(&session, &HostSession::connected);
    QSignalSpy lost(&session, &HostSession::connectionLost);
    session.open();
    ASSERT_TRUE(waitUntil([&] { return connected.size() == 1; })) << session.statusText().toStdString() << context();
    EXPECT_EQ(session.state(), State::Connected);
    EXPECT_EQ(session.agent()->state_dir, sshd->remote_home() + "/.local/state/fulcrum");
    const auto firstPid = session.agent()->daemon_pid;

    // A call in flight when sshd dies fails once, as "connection lost", and is not re-sent.
    int calls = 0;
    std::optional<protocol::Error> failure;
    // Many calls so that at least one is still pending when the session is killed.
    for (int i = 0; i < 50; ++i) {
        session.rpc()->call<method::HostFactsGet>({}, nullptr, [&](auto o) {
            ++calls;
            if (!o.ok()) failure = o.error();
        });
    }
    sshd->kill_sessions();
    ASSERT_TRUE(waitUntil([&] { return lost.size() == 1; })) << session.statusText().toStdString();
    ASSERT_TRUE(waitUntil([&] { return calls == 50; }));
    if (failure) {
        EXPECT_TRUE(RpcClient::isConnectionLost(*failure)) << failure->message;
    }

    // The session comes back by itself, and the daemon (not a child of the SSH session) kept
    // running.
    ASSERT_TRUE(waitUntil([&] { return connected.size() == 2; })) << session.statusText().toStdString() << context();
    EXPECT_EQ(session.state(), State::Connected);
    EXPECT_EQ(session.agent()->daemon_pid, firstPid);
    EXPECT_GE(sshd->accepted_connections(), 3);
}

TEST_F(HostSessionSsh, BecomesUnreachableWhileSshdIsDownAndRecovers) {
    installAgent();
    HostSession session(HostEndpoint::overSsh(target()), {}, test::fastSessionTimings());
    QSignalSpy connected(&session, &HostSession::connected);
    session.open();
    ASSERT_TRUE(waitUntil([&] { return connected.size() == 1; })) << session.statusText().toStdString() << context();
    sshd->stop();
    ASSERT_TRUE(waitUntil([&] { return session.state() == State::Unreachable; })) << session.statusText().toStdString();
    EXPECT_TRUE(session.statusText().contains(QStringLiteral("Retrying in"))) << session.statusText().toStdString();
    EXPECT_EQ(session.problem(), HostSession::Problem::Network);
    sshd->start();
    ASSERT_TRUE(waitUntil([&] { return connected.size() == 2; })) << session.statusText().toStdString() << context();
    EXPECT_EQ(session.state(), State::Connected);
}

TEST_F(HostSessionSsh, MissingAgentSaysDeployIt) {
    HostSession session(HostEndpoint::overSsh(target()), {}, test::fastSessionTimings());
    session.open();
    ASSERT_TRUE(waitUntil([&] { return session.state() == State::Error; })) << session.statusText().toStdString() << context();
    EXPECT_EQ(session.problem(), HostSession::Problem::AgentMissing);
    EXPECT_TRUE(session.statusText().contains(QStringLiteral("Deploy"))) << session.statusText().toStdString();
}

TEST_F(HostSessionSsh, UnknownHostKeyIsAskedAndRemembered) {
    installAgent();
    QFile::remove(target().knownHostsPath);
    {
        // Nobody to ask: refused, with the fingerprint to show.
        HostSession session(HostEndpoint::overSsh(target(HostKeyPolicy::Strict)), {}, test::fastSessionTimings());
        session.open();
        ASSERT_TRUE(waitUntil([&] { return session.state() == State::Error; })) << session.statusText().toStdString();
        EXPECT_EQ(session.problem(), HostSession::Problem::HostKeyUnknown);
        ASSERT_TRUE(session.lastSshError() && session.lastSshError()->hostKey);
        EXPECT_TRUE(session.lastSshError()->hostKey->fingerprint.startsWith(QStringLiteral("SHA256:")));
        EXPECT_EQ(session.lastSshError()->hostKey->type, QStringLiteral("ssh-ed25519"));
    }
    auto prompter = std::make_shared<ConfirmingPrompter>();
    HostSession session(HostEndpoint::overSsh(target(HostKeyPolicy::Strict)), prompter, test::fastSessionTimings());
    QSignalSpy connected(&session, &HostSession::connected);
    session.open();
    ASSERT_TRUE(connected.wait(20000)) << session.statusText().toStdString() << context();
    ASSERT_TRUE(prompter->shown);
    EXPECT_TRUE(prompter->shown->fingerprint.startsWith(QStringLiteral("SHA256:")));
    EXPECT_EQ(prompter->shownHost, QStringLiteral("[127.0.0.1]:%1").arg(sshd->port()));
    // Remembered in known_hosts: the next strict session is not asked again.
    prompter->shown.reset();
    HostSession again(HostEndpoint::overSsh(target(HostKeyPolicy::Strict)), prompter, test::fastSessionTimings());
    QSignalSpy connectedAgain(&again, &HostSession::connected);
    again.open();
    ASSERT_TRUE(connectedAgain.wait(20000)) << again.statusText().toStdString();
    EXPECT_FALSE(prompter->shown);
}

TEST_F(HostSessionSsh, ChangedHostKeyIsRefusedWithWhatToDo) {
    installAgent();  // trusts the current key (AcceptNew)
    sshd->replace_host_key();
    auto prompter = std::make_shared<ConfirmingPrompter>();  // would say yes, must not be asked
    HostSession session(HostEndpoint::overSsh(target(HostKeyPolicy::AcceptNew)), prompter, test::fastSessionTimings());
    session.open();
    ASSERT_TRUE(waitUntil([&] { return session.state() == State::Error; })) << session.statusText().toStdString();
    EXPECT_EQ(session.problem(), HostSession::Problem::HostKeyChanged);
    EXPECT_TRUE(session.statusText().contains(QStringLiteral("ssh-keygen -R"))) << session.statusText().toStdString();
    EXPECT_FALSE(prompter->shown);
    const int accepted = sshd->accepted_connections();
    QTest::qWait(500);
    EXPECT_EQ(sshd->accepted_connections(), accepted);  // no retry loop against a changed key
}

TEST_F(HostSessionSsh, WrongPasswordIsAnAuthErrorWithoutRetries) {
    auto t = target();
    t.identityFiles.clear();
    auto prompter = std::make_shared<test::ScriptedPrompter>();
    prompter->passwordAnswer = QStringLiteral("not-the-password");
    prompter->kbdintAnswer = QStringLiteral("not-the-password");
    HostSession session(HostEndpoint::overSsh(t), prompter, test::fastSessionTimings());
    session.open();
    ASSERT_TRUE(waitUntil([&] { return session.state() == State::Error; }, 40000)) << session.statusText().toStdString();
    EXPECT_EQ(session.problem(), HostSession::Problem::AuthFailed);
    EXPECT_TRUE(session.statusText().contains(QStringLiteral("refused the login"))) << session.statusText().toStdString();
}

}  // namespace
}  // namespace fulcrum::app
