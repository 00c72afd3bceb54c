// SshConnection against a real OpenSSH sshd (tests/support/sshd_fixture.h).
#include "app/ssh/known_hosts.h"
#include "app/ssh/ssh_connection.h"
#include "tests/app/test_prompter.h"
#include "tests/app/test_support.h"
#include "tests/support/sshd_fixture.h"

#include <QCryptographicHash>
#include <QFile>

#include <gtest/gtest.h>

namespace fulcrum::app {
namespace {

using testing::SshdFixture;
using testing::SshdOptions;

class SshConnectionTest : public ::testing::Test {
protected:
    void SetUp() override { sshd = std::make_unique<SshdFixture>(); }

    SshTarget target(HostKeyPolicy policy = HostKeyPolicy::AcceptNew) const { return test::fixtureTarget(*sshd, policy); }
    void trustFixtureKey() const {
        const auto parts = QString::fromStdString(sshd->host_key_line()).split(QLatin1Char(' '));
        ASSERT_TRUE(KnownHosts::append(target().knownHostsPath, target().hostName, target().port, parts[0].toLatin1(),
                                       parts[1].toLatin1())
                        .isEmpty());
    }
    std::string context() const { return "sshd log:\n" + sshd->log(); }

    std::unique_ptr<SshdFixture> sshd;
    test::ScriptedPrompter prompter;
};

TEST_F(SshConnectionTest, LogsInWithAKeyFileAndRunsACommand) {
    trustFixtureKey();
    auto t = target(HostKeyPolicy::Strict);
    t.identityFiles << QString::fromStdString(sshd->user_key_path());
    SshConnection connection;
    const auto error = connection.open(t, prompter);
    ASSERT_FALSE(error) << error->fullText().toStdString() << context();
    EXPECT_EQ(connection.authMethod(), QStringLiteral("publickey"));
    const auto result = connection.exec("printf '%s' \"$HOME\"; echo oops >&2; exit 3");
    ASSERT_TRUE(std::holds_alternative<ExecResult>(result));
    const auto& r = std::get<ExecResult>(result);
    EXPECT_EQ(r.out.toStdString(), sshd->remote_home());
    EXPECT_EQ(r.err, QByteArray("oops\n"));
    EXPECT_EQ(r.exitStatus, 3);
    EXPECT_TRUE(prompter.passwordAskedFor.isEmpty());
}

TEST_F(SshConnectionTest, AsksThePassphraseNamingTheKey) {
    trustFixtureKey();
    auto t = target(HostKeyPolicy::Strict);
    const QString key = QString::fromStdString(sshd->encrypted_user_key_path());
    t.identityFiles << key;
    t.identitiesOnly = true;
    prompter.passphraseAnswer = QString::fromStdString(sshd->user_key_passphrase());
    SshConnection connection;
    const auto error = connection.open(t, prompter);
    ASSERT_FALSE(error) << error->fullText().toStdString() << context();
    ASSERT_FALSE(prompter.passphraseAskedFor.isEmpty());
    EXPECT_EQ(prompter.passphraseAskedFor.front(), key);
}

TEST_F(SshConnectionTest, LogsInWithAPassword) {
    sshd.reset();
    sshd = std::make_unique<SshdFixture>(SshdOptions{true, false, {}});
    trustFixtureKey();
    prompter.passwordAnswer = QString::fromStdString(sshd->password());
    SshConnection connection;
    const auto error = connection.open(target(HostKeyPolicy::Strict), prompter);
    ASSERT_FALSE(error) << error->fullText().toStdString() << context();
    EXPECT_EQ(connection.authMethod(), QStringLiteral("password"));
    EXPECT_EQ(prompter.passwordAskedFor.size(), 1);
}

TEST_F(SshConnectionTest, RefusesAWrongPasswordWithAClearError) {
    sshd.reset();
    sshd = std::make_unique<SshdFixture>(SshdOptions{true, false, {}});
    trustFixtureKey();
    prompter.passwordAnswer = QStringLiteral("not-the-password");
    SshConnection connection;
    const auto error = connection.open(target(HostKeyPolicy::Strict), prompter);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind, SshError::Kind::AuthFailed) << error->fullText().toStdString();
    EXPECT_TRUE(error->message.contains(QStringLiteral("refused the login"))) << error->message.toStdString();
    EXPECT_EQ(prompter.passwordAskedFor.size(), 3);
    EXPECT_FALSE(connection.isOpen());
}

TEST_F(SshConnectionTest, LogsInWithKeyboardInteractiveIncludingZeroPromptRounds) {
    sshd.reset();
    sshd = std::make_unique<SshdFixture>(SshdOptions{false, true, {}});
    trustFixtureKey();
    prompter.kbdintAnswer = QString::fromStdString(sshd->password());
    SshConnection connection;
    const auto error = connection.open(target(HostKeyPolicy::Strict), prompter);
    ASSERT_FALSE(error) << error->fullText().toStdString() << context();
    EXPECT_EQ(connection.authMethod(), QStringLiteral("keyboard-interactive"));
    ASSERT_FALSE(prompter.kbdintRounds.isEmpty());
    EXPECT_FALSE(prompter.kbdintRounds.front().prompts.front().echo);
    // OpenSSH's PAM driver ends with a round without prompts; it must not reach the user.
    EXPECT_GE(connection.silentKeyboardInteractiveRounds(), 1);
    EXPECT_TRUE(prompter.passwordAskedFor.isEmpty());
}

TEST_F(SshConnectionTest, ReportsAnUnknownHostKeyWithItsFingerprintAndWritesNothing) {
    auto t = target(HostKeyPolicy::Strict);
    t.identityFiles << QString::fromStdString(sshd->user_key_path());
    SshConnection connection;
    const auto error = connection.open(t, prompter);
    ASSERT_TRUE(error);
    ASSERT_EQ(error->kind, SshError::Kind::HostKeyUnknown) << error->fullText().toStdString();
    ASSERT_TRUE(error->hostKey);
    EXPECT_EQ(error->hostKey->type, QStringLiteral("ssh-ed25519"));
    const QByteArray blob = QString::fromStdString(sshd->host_key_line()).split(QLatin1Char(' '))[1].toLatin1();
    EXPECT_EQ(error->hostKey->fingerprint, HostKeyInfo::fingerprintOf(blob));
    EXPECT_TRUE(error->message.contains(error->hostKey->fingerprint));
    EXPECT_FALSE(QFile::exists(t.knownHostsPath));
}

TEST_F(SshConnectionTest, AcceptNewRemembersTheKeyInOpenSshFormat) {
    auto t = target(HostKeyPolicy::AcceptNew);
    t.identityFiles << QString::fromStdString(sshd->user_key_path());
    SshConnection connection;
    ASSERT_FALSE(connection.open(t, prompter));
    QFile file(t.knownHostsPath);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QByteArray expected = "[127.0.0.1]:" + QByteArray::number(sshd->port()) + " " +
                                QByteArray::fromStdString(sshd->host_key_line()) + "\n";
    EXPECT_EQ(file.readAll(), expected);
    // The remembered key is now trusted under the strict policy.
    SshConnection again;
    t.hostKeyPolicy = HostKeyPolicy::Strict;
    EXPECT_FALSE(again.open(t, prompter));
}

TEST_F(SshConnectionTest, RefusesAChangedHostKeyAndSaysWhatToDo) {
    trustFixtureKey();
    sshd->replace_host_key();
    auto t = target(HostKeyPolicy::AcceptNew);  // even accept-new never overrides a changed key
    t.identityFiles << QString::fromStdString(sshd->user_key_path());
    SshConnection connection;
    const auto error = connection.open(t, prompter);
    ASSERT_TRUE(error);
    ASSERT_EQ(error->kind, SshError::Kind::HostKeyChanged) << error->fullText().toStdString();
    EXPECT_TRUE(error->message.contains(QStringLiteral("ssh-keygen -R"))) << error->message.toStdString();
    EXPECT_EQ(error->hostKey->conflictingLine, 1);
    EXPECT_FALSE(connection.isOpen());
}

TEST_F(SshConnectionTest, RejectsAKeyTheServerDoesNotKnow) {
    trustFixtureKey();
    auto t = target(HostKeyPolicy::Strict);
    t.identityFiles << QString::fromStdString(sshd->stranger_key_path());
    t.identitiesOnly = true;
    SshConnection connection;
    const auto error = connection.open(t, prompter);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind, SshError::Kind::AuthCancelled);  // falls through to a password nobody gave
}

TEST_F(SshConnectionTest, ReportsARefusedConnection) {
    auto t = target();
    sshd->stop();
    SshConnection connection;
    const auto error = connection.open(t, prompter);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->kind, SshError::Kind::ConnectFailed) << error->fullText().toStdString();
}

TEST_F(SshConnectionTest, UploadsAFileOverSftp) {
    trustFixtureKey();
    auto t = target(HostKeyPolicy::Strict);
    t.identityFiles << QString::fromStdString(sshd->user_key_path());
    SshConnection connection;
    ASSERT_FALSE(connection.open(t, prompter));
    const QString local = QString::fromStdString(sshd->client_dir() + "/payload");
    QFile f(local);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    QByteArray payload;
    for (int i = 0; i < 100000; ++i) payload += char('a' + i % 26);
    f.write(payload);
    f.close();
    QList<qint64> reported;
    const QString remote = QString::fromStdString(sshd->remote_home() + "/payload");
    const auto error = connection.upload(local, remote, 0600, [&](qint64 done, qint64) { reported << done; });
    ASSERT_FALSE(error) << error->fullText().toStdString();
    EXPECT_EQ(reported.back(), payload.size());
    EXPECT_GT(reported.size(), 3);
    const auto sum = connection.exec("sha256sum " + remote.toUtf8());
    ASSERT_TRUE(std::holds_alternative<ExecResult>(sum));
    EXPECT_TRUE(std::get<ExecResult>(sum).out.startsWith(
        QCryptographicHash::hash(payload, QCryptographicHash::Sha256).toHex()));
}

}  // namespace
}  // namespace fulcrum::app
