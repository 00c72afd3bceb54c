// ProxyJump against two real OpenSSH sshd fixtures: a jump host on 127.0.0.1 and the target on
// 127.0.0.2, each with its own user key; the client's ~/.ssh (config, known_hosts) is the
// test's own directory. The target's connection count and $SSH_CONNECTION show that the
// session really went through the jump host.
#include "app/ssh/destination.h"
#include "app/ssh/known_hosts.h"
#include "app/ssh/ssh_connection.h"
#include "tests/app/test_prompter.h"
#include "tests/support/sshd_fixture.h"

#include <QFile>
#include <QTemporaryDir>

#include <gtest/gtest.h>

namespace fulcrum::app {
namespace {

using testing::SshdFixture;
using testing::SshdOptions;

class ProxyJumpTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(dir.isValid());
        SshdOptions inner;
        inner.bind_address = "127.0.0.2";
        target = std::make_unique<SshdFixture>(inner);
        startJump({});
    }
    void startJump(SshdOptions options) {
        jump = std::make_unique<SshdFixture>(std::move(options));
        QFile config(dir.filePath(QStringLiteral("config")));
        ASSERT_TRUE(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
        config.write(QStringLiteral("Host jump\n  HostName 127.0.0.1\n  Port %1\n  User %2\n  IdentityFile %3\n  IdentitiesOnly yes\n"
                                    "Host inner\n  HostName 127.0.0.2\n  Port %4\n  User %5\n  IdentityFile %6\n  ProxyJump jump\n")
                         .arg(jump->port())
                         .arg(QString::fromStdString(jump->user()), QString::fromStdString(jump->user_key_path()))
                         .arg(target->port())
                         .arg(QString::fromStdString(target->user()), QString::fromStdString(target->user_key_path()))
                         .toUtf8());
    }
    // "inner" as ~/.ssh/config (the test's) resolves it: through the jump host.
    SshTarget inner(HostKeyPolicy policy) const {
        const SshConfig config = SshConfig::load(dir.filePath(QStringLiteral("config")), dir.path());
        Destination destination;
        destination.host = QStringLiteral("inner");
        SshTarget t = resolveTarget(destination, config, {}, dir.path());
        t.sshDir = dir.path();
        t.knownHostsPath = dir.filePath(QStringLiteral("known_hosts"));
        t.identitiesOnly = true;
        t.hostKeyPolicy = policy;
        t.connectTimeout = std::chrono::seconds(10);
        return t;
    }
    std::string context() const { return "\njump sshd:\n" + jump->log() + "\ntarget sshd:\n" + target->log(); }

    QTemporaryDir dir;
    std::unique_ptr<SshdFixture> target;
    std::unique_ptr<SshdFixture> jump;
    test::ScriptedPrompter prompter;
};

TEST_F(ProxyJumpTest, ReachesTheTargetThroughTheJumpHostFromSshConfig) {
    const SshTarget t = inner(HostKeyPolicy::AcceptNew);
    ASSERT_EQ(t.proxyJump, QStringLiteral("jump"));
    ASSERT_EQ(t.hostName, QStringLiteral("127.0.0.2"));
    SshConnection connection;
    const auto error = connection.open(t, prompter);
    ASSERT_FALSE(error) << error->fullText().toStdString() << context();
    const auto result = connection.exec("printf '%s' \"$SSH_CONNECTION\"");
    ASSERT_TRUE(std::holds_alternative<ExecResult>(result));
    // "client-ip client-port server-ip server-port": the target was reached on 127.0.0.2.
    const QStringList parts = QString::fromUtf8(std::get<ExecResult>(result).out).split(QLatin1Char(' '));
    ASSERT_EQ(parts.size(), 4) << std::get<ExecResult>(result).out.toStdString();
    EXPECT_EQ(parts[2], QStringLiteral("127.0.0.2"));
    EXPECT_EQ(parts[3].toInt(), target->port());
    EXPECT_EQ(jump->accepted_connections(), 1) << "the jump host was not used" << context();
    EXPECT_EQ(target->accepted_connections(), 1);
    // accept-new trusted both keys, in the same known_hosts, as ssh -J does.
    const KnownHosts known = KnownHosts::load(t.knownHostsPath);
    for (const SshdFixture* f : {jump.get(), target.get()}) {
        const auto key = QString::fromStdString(f->host_key_line()).split(QLatin1Char(' '));
        EXPECT_EQ(known.check(QString::fromStdString(f->host()), f->port(), key[0].toLatin1(), key[1].toLatin1()).verdict,
                  KnownHosts::Verdict::Known)
            << f->host();
    }
    connection.close();
}

TEST_F(ProxyJumpTest, AnUnknownJumpHostKeyIsRefusedWithWhatToDo) {
    SshConnection connection;
    const auto error = connection.open(inner(HostKeyPolicy::Strict), prompter);
    ASSERT_TRUE(error) << "connected through a jump host whose key nobody confirmed";
    const std::string text = error->fullText().toStdString();
    EXPECT_NE(text.find("through the jump host jump"), std::string::npos) << text;
    EXPECT_NE(text.find("Host key verification failed"), std::string::npos) << text;
    EXPECT_NE(text.find(dir.filePath(QStringLiteral("known_hosts")).toStdString()), std::string::npos) << text;
    EXPECT_EQ(error->kind, SshError::Kind::Local);  // not retried: a person has to trust the key
    EXPECT_EQ(target->accepted_connections(), 0);
}

TEST_F(ProxyJumpTest, AJumpHostThatRefusesToForwardSaysSo) {
    SshdOptions noForwarding;
    noForwarding.extra_config = {"AllowTcpForwarding no"};
    ASSERT_NO_FATAL_FAILURE(startJump(noForwarding));
    SshConnection connection;
    const auto error = connection.open(inner(HostKeyPolicy::AcceptNew), prompter);
    ASSERT_TRUE(error);
    const std::string text = error->fullText().toStdString();
    EXPECT_NE(text.find("refused to forward"), std::string::npos) << text << context();
    EXPECT_NE(text.find("AllowTcpForwarding"), std::string::npos) << text;
    EXPECT_EQ(target->accepted_connections(), 0);
}

TEST_F(ProxyJumpTest, AJumpHostWithoutAUsableKeyNamesTheBatchModeLimit) {
    // The jump host's key is not the one the config names: a password would be needed there.
    QFile config(dir.filePath(QStringLiteral("config")));
    ASSERT_TRUE(config.open(QIODevice::ReadOnly));
    QByteArray text = config.readAll();
    config.close();
    text.replace(jump->user_key_path().c_str(), jump->stranger_key_path().c_str());
    ASSERT_TRUE(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
    config.write(text);
    config.close();
    SshConnection connection;
    const auto error = connection.open(inner(HostKeyPolicy::AcceptNew), prompter);
    ASSERT_TRUE(error);
    const std::string message = error->fullText().toStdString();
    EXPECT_EQ(error->kind, SshError::Kind::AuthFailed) << message;
    EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
    EXPECT_NE(message.find("passwords and passphrase prompts are only possible for the final host"), std::string::npos) << message;
    EXPECT_TRUE(prompter.passwordAskedFor.isEmpty());
}

TEST_F(ProxyJumpTest, AnInvalidJumpHostIsRefusedBeforeAnythingRuns) {
    SshTarget t = inner(HostKeyPolicy::AcceptNew);
    t.proxyJump = QStringLiteral("jump,bad host;touch /tmp/x");
    SshConnection connection;
    const auto error = connection.open(t, prompter);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind, SshError::Kind::Local);
    EXPECT_NE(error->message.toStdString().find("is not a valid host"), std::string::npos) << error->message.toStdString();
    EXPECT_EQ(jump->accepted_connections(), 0);
}

}  // namespace
}  // namespace fulcrum::app
