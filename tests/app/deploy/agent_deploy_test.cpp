// Deploy and upgrade against a real OpenSSH sshd (tests/support): the platform check, SFTP
// upload, SHA-256 verification on the host, atomic rename, starting the agent through `rpc`,
// and upgrading a running older agent.
#include "app/deploy/agent_deployer.h"
#include "app/deploy/agent_installer.h"
#include "app/rpc/agent_locator.h"
#include "tests/app/test_support.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <gtest/gtest.h>

namespace fulcrum::app {
namespace {

using testing::SshdFixture;
using test::waitUntil;

class AgentDeployTest : public ::testing::Test {
protected:
    void SetUp() override { sshd = std::make_unique<SshdFixture>(); }

    SshTarget target() const {
        SshTarget t = test::fixtureTarget(*sshd, HostKeyPolicy::AcceptNew);
        t.identityFiles << QString::fromStdString(sshd->user_key_path());
        t.identitiesOnly = true;
        return t;
    }
    QString remoteAgent() const {
        return QString::fromStdString(sshd->remote_home()) + QStringLiteral("/.local/lib/fulcrum/fulcrum-agent");
    }
    SessionTimings timings() const {
        SessionTimings t;
        t.reconnectInitial = std::chrono::milliseconds(100);
        t.reconnectMax = std::chrono::milliseconds(500);
        return t;
    }
    std::string context() const { return "\nsshd log:\n" + sshd->log(); }

    std::unique_ptr<SshdFixture> sshd;
};

TEST_F(AgentDeployTest, InstallsVerifiesAndSkipsWhatIsAlreadyThere) {
    SshConnection connection;
    NoPrompter none;
    ASSERT_FALSE(connection.open(target(), none)) << context();
    std::vector<int> percents;
    auto result = installAgent(connection, {}, [&](int percent, const QString&) { percents.push_back(percent); });
    ASSERT_TRUE(std::holds_alternative<InstallReport>(result)) << std::get<SshError>(result).fullText().toStdString();
    const auto& report = std::get<InstallReport>(result);
    EXPECT_TRUE(report.uploaded);
    EXPECT_EQ(report.remotePath, remoteAgent());
    EXPECT_EQ(report.installedVersion, QStringLiteral(FULCRUM_VERSION));
    EXPECT_EQ(report.platform.os, QStringLiteral("Linux"));
    EXPECT_EQ(sha256OfFile(remoteAgent()), sha256OfFile(locateAgentBinary().path));
    EXPECT_TRUE(QFileInfo(remoteAgent()).isExecutable());
    EXPECT_TRUE(std::is_sorted(percents.begin(), percents.end()));
    ASSERT_FALSE(percents.empty());
    EXPECT_GE(percents.back(), 95);
    // No temporary upload left behind.
    const QStringList left = QDir(QFileInfo(remoteAgent()).path()).entryList(QDir::Files | QDir::Hidden);
    EXPECT_EQ(left, QStringList{QStringLiteral("fulcrum-agent")});

    auto again = installAgent(connection, {});
    ASSERT_TRUE(std::holds_alternative<InstallReport>(again));
    EXPECT_FALSE(std::get<InstallReport>(again).uploaded);
    EXPECT_EQ(std::get<InstallReport>(again).previousVersion, QStringLiteral(FULCRUM_VERSION));
}

TEST_F(AgentDeployTest, RefusesABinaryThatIsNotALinuxProgram) {
    QTemporaryDir dir;
    const QString fake = dir.path() + QStringLiteral("/fulcrum-agent");
    QFile file(fake);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("#!/bin/sh\necho hi\n");
    file.close();
    SshConnection connection;
    NoPrompter none;
    ASSERT_FALSE(connection.open(target(), none));
    auto result = installAgent(connection, InstallOptions{fake, QStringLiteral("fixture"), false});
    ASSERT_TRUE(std::holds_alternative<SshError>(result));
    EXPECT_EQ(std::get<SshError>(result).kind, SshError::Kind::Local);
    EXPECT_FALSE(QFileInfo::exists(remoteAgent()));
}

TEST_F(AgentDeployTest, DeploysToAHostWithoutAgentAndConnects) {
    HostSession session(HostEndpoint::overSsh(target()), {}, timings());
    session.open();
    ASSERT_TRUE(waitUntil([&] { return session.state() == HostSession::State::Error; })) << session.statusText().toStdString();
    ASSERT_EQ(session.problem(), HostSession::Problem::AgentMissing);

    AgentDeployer deployer(&session);
    QSignalSpy progress(&deployer, &AgentDeployer::progress);
    QSignalSpy finished(&deployer, &AgentDeployer::finished);
    QList<HostSession::State> states;
    QObject::connect(&session, &HostSession::stateChanged, [&](HostSession::State s, const QString&) { states << s; });
    deployer.start();
    ASSERT_TRUE(finished.wait(60000)) << session.statusText().toStdString() << context();
    EXPECT_TRUE(finished.at(0).at(0).toBool()) << finished.at(0).at(1).toString().toStdString();
    EXPECT_EQ(session.state(), HostSession::State::Connected);
    EXPECT_TRUE(states.contains(HostSession::State::Deploying));
    EXPECT_EQ(session.agent()->agent_version, FULCRUM_VERSION);
    EXPECT_EQ(session.agent()->started_by, "rpc");
    int last = -1;
    for (const auto& args : progress) {
        EXPECT_GE(args.at(0).toInt(), last) << args.at(1).toString().toStdString();
        last = args.at(0).toInt();
    }
    EXPECT_EQ(last, 100);
}

TEST_F(AgentDeployTest, UpgradesARunningOlderAgent) {
    // An "older" agent: the real binary with its version string changed, installed and running.
    QTemporaryDir dir;
    QFile real(locateAgentBinary().path);
    ASSERT_TRUE(real.open(QIODevice::ReadOnly));
    QByteArray bytes = real.readAll();
    const QByteArray version = FULCRUM_VERSION;
    ASSERT_GE(bytes.count(version), 1);
    QByteArray older = version;
    older[older.size() - 1] = older.back() == '9' ? '8' : char(older.back() + 1);  // same length, other version
    bytes.replace(version, older);
    const QString oldPath = dir.path() + QStringLiteral("/fulcrum-agent");
    QFile old(oldPath);
    ASSERT_TRUE(old.open(QIODevice::WriteOnly));
    old.write(bytes);
    old.close();
    old.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);

    HostSession session(HostEndpoint::overSsh(target()), {}, timings());
    {
        AgentDeployer first(&session, InstallOptions{oldPath, {}, false});
        QSignalSpy finished(&first, &AgentDeployer::finished);
        first.start();
        ASSERT_TRUE(finished.wait(60000)) << context();
        ASSERT_TRUE(finished.at(0).at(0).toBool()) << finished.at(0).at(1).toString().toStdString();
        ASSERT_EQ(session.agent()->agent_version, older.toStdString());
    }
    const auto oldPid = session.agent()->daemon_pid;

    AgentDeployer upgrade(&session);
    QSignalSpy finished(&upgrade, &AgentDeployer::finished);
    upgrade.start();
    ASSERT_TRUE(finished.wait(60000)) << context();
    const QString message = finished.at(0).at(1).toString();
    ASSERT_TRUE(finished.at(0).at(0).toBool()) << message.toStdString();
    EXPECT_EQ(upgrade.report().previousVersion, QString::fromLatin1(older));
    EXPECT_EQ(sha256OfFile(remoteAgent()), sha256OfFile(locateAgentBinary().path));
    if (session.agent()->agent_version == FULCRUM_VERSION) {
        SUCCEED() << "the daemon re-executed the new binary";
    } else {
        // An agent without agent.upgrade keeps running (its workers untouched) and says so.
        EXPECT_TRUE(message.contains(QStringLiteral("next restart"))) << message.toStdString();
        EXPECT_EQ(session.agent()->daemon_pid, oldPid);
    }
}

}  // namespace
}  // namespace fulcrum::app
