// The remembered password (issue 5: "no secret ever in a file; QtKeychain for a remembered
// password, off by default") against real parts: GNOME Keyring's Secret Service on a private
// D-Bus (secret_service_session.h), reached through QtKeychain and libsecret as in the panel,
// and a real OpenSSH sshd with a PAM password (tests/support). Each test runs in a process of
// its own (gtest_discover_tests), with its own bus and keyring.
#include "app/inventory/inventory.h"
#include "app/inventory/remembered_password.h"
#include "app/inventory/secret_store.h"
#include "app/ssh/ssh_connection.h"
#include "tests/app/inventory/secret_service_session.h"
#include "tests/app/test_prompter.h"
#include "tests/app/test_support.h"
#include "tests/support/sshd_fixture.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QMutex>
#include <QTemporaryDir>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <tuple>

#include <unistd.h>

namespace fulcrum::app {
namespace {

test::SecretServiceSession* g_keychain = nullptr;
QMutex g_messagesMutex;
QStringList g_messages;  // everything Qt and QtKeychain logged during the run

void captureMessage(QtMsgType, const QMessageLogContext&, const QString& message) {
    QMutexLocker lock(&g_messagesMutex);
    g_messages << message;
}

struct Login {
    std::optional<SshError> error;
    QString loadNotice;
    QString storeNotice;
    int asked = 0;  // questions that reached the person
};

class RememberedPasswordTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(dir.isValid());
        sshd = std::make_unique<testing::SshdFixture>();
        auto loaded = Inventory::load(dir.filePath(QStringLiteral("hosts.json")));
        ASSERT_TRUE(std::holds_alternative<Inventory>(loaded));
        inventory = std::get<Inventory>(std::move(loaded));
        HostEntry e;
        e.name = QStringLiteral("web1");
        e.address = QString::fromStdString(sshd->host());
        e.port = sshd->port();
        e.user = QString::fromStdString(sshd->user());
        e.auth = AuthMethod::Password;
        e.rememberPassword = true;
        ASSERT_EQ(inventory.add(e), QString());
        ASSERT_EQ(inventory.save(), QString());
        entry = *inventory.find(QStringLiteral("web1"));
        password = QString::fromStdString(sshd->password());
    }

    // What the panel and fulcrum-ctl do around a login: the keychain first, then the login
    // (asking `person` only what the preset cannot answer), then remembering what was typed.
    Login login(const HostEntry& e, std::optional<QString> answer) {
        auto person = std::make_shared<test::ScriptedPrompter>();
        person->passwordAnswer = answer;
        person->kbdintAnswer = answer;
        auto prompter = std::make_shared<PresetPasswordPrompter>(person);
        Login result;
        bool loaded = false;
        RememberedPassword::load(e, prompter, &context, [&](const QString& notice) {
            result.loadNotice = notice;
            loaded = true;
        });
        EXPECT_TRUE(test::waitUntil([&] { return loaded; }, 20000)) << "the keychain never answered";
        SshTarget target = e.target(SshConfig(), dir.path());
        target.sshDir = QString::fromStdString(sshd->client_dir());
        target.knownHostsPath = target.sshDir + QStringLiteral("/known_hosts");
        target.hostKeyPolicy = HostKeyPolicy::AcceptNew;
        SshConnection connection;
        result.error = connection.open(target, *prompter);
        result.asked = int(person->passwordAskedFor.size() + person->kbdintRounds.size());
        if (!result.error) {
            bool stored = false;
            RememberedPassword::storeTyped(e, *prompter, &context, [&](const QString& notice) {
                result.storeNotice = notice;
                stored = true;
            });
            EXPECT_TRUE(test::waitUntil([&] { return stored; }, 20000)) << "the keychain never answered";
        }
        return result;
    }
    // What another Secret Service client (secret-tool) finds for the host: QtKeychain's
    // libsecret schema keys it by user = the key and server = the service.
    QString inKeyring(const QString& id = {}) const {
        return g_keychain->lookup({QStringLiteral("user"), QStringLiteral("host/%1/password").arg(id.isEmpty() ? entry.id : id),
                                   QStringLiteral("server"), QString::fromLatin1(SecretStore::kService),
                                   QStringLiteral("type"), QStringLiteral("plaintext")});
    }
    // Every file under `root` whose bytes contain the password in clear.
    QStringList filesContainingPassword(const QString& root) const {
        QStringList found;
        QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            if (file.open(QIODevice::ReadOnly) && file.readAll().contains(password.toUtf8())) found << file.fileName();
        }
        return found;
    }
    QStringList messagesContainingPassword() const {
        QMutexLocker lock(&g_messagesMutex);
        return g_messages.filter(password);
    }

    QObject context;
    QTemporaryDir dir;
    std::unique_ptr<testing::SshdFixture> sshd;
    Inventory inventory;
    HostEntry entry;
    QString password;
};

TEST_F(RememberedPasswordTest, RememberedIsKeptInTheKeyringOnlyAndTheNextLoginAsksNobody) {
    EXPECT_TRUE(inKeyring().isEmpty());
    Login first = login(entry, password);
    ASSERT_FALSE(first.error) << first.error->fullText().toStdString() << sshd->log();
    EXPECT_EQ(first.asked, 1);
    EXPECT_TRUE(first.loadNotice.isEmpty()) << first.loadNotice.toStdString();
    EXPECT_TRUE(first.storeNotice.isEmpty()) << first.storeNotice.toStdString();
    EXPECT_EQ(inKeyring(), password) << "not in the Secret Service";

    // A new login (a restart of the panel): the keychain answers, the person is not asked.
    Login second = login(entry, std::nullopt);
    ASSERT_FALSE(second.error) << second.error->fullText().toStdString();
    EXPECT_EQ(second.asked, 0);

    // Never in clear in a file: not the host list, not the keyring's own files, not the test's
    // directory, not sshd's log (its passdb holds it: the server's own); never in a log line.
    const QByteArray hostList = inventory.toJson();
    EXPECT_FALSE(hostList.contains(password.toUtf8()));
    EXPECT_TRUE(hostList.contains("\"remember_password\": true") || hostList.contains("\"remember_password\":true")) << hostList.toStdString();
    for (const QString& root : {dir.path(), g_keychain->dir()})
        EXPECT_EQ(filesContainingPassword(root), QStringList()) << root.toStdString();
    EXPECT_EQ(sshd->log().find(password.toStdString()), std::string::npos);
    EXPECT_EQ(messagesContainingPassword(), QStringList());
}

TEST_F(RememberedPasswordTest, OffByDefaultNothingIsStored) {
    EXPECT_FALSE(HostEntry().rememberPassword);
    HostEntry e = entry;
    e.rememberPassword = false;
    Login first = login(e, password);
    ASSERT_FALSE(first.error) << first.error->fullText().toStdString();
    EXPECT_EQ(first.asked, 1);
    EXPECT_TRUE(inKeyring().isEmpty()) << "stored although remembering is off";
    Login second = login(e, password);
    ASSERT_FALSE(second.error);
    EXPECT_EQ(second.asked, 1) << "the password came from somewhere";
    EXPECT_TRUE(inKeyring().isEmpty());
}

TEST_F(RememberedPasswordTest, ForgettingRemovesItAndTheNextLoginAsksAgain) {
    ASSERT_FALSE(login(entry, password).error);
    ASSERT_EQ(inKeyring(), password);
    std::optional<QString> forgot;
    RememberedPassword::forget(entry, &context, [&](const QString& notice) { forgot = notice; });
    ASSERT_TRUE(test::waitUntil([&] { return forgot.has_value(); }, 20000));
    EXPECT_TRUE(forgot->isEmpty()) << forgot->toStdString();
    EXPECT_TRUE(inKeyring().isEmpty());
    Login again = login(entry, password);
    ASSERT_FALSE(again.error);
    EXPECT_EQ(again.asked, 1);
}

TEST_F(RememberedPasswordTest, AStaleRememberedPasswordGoesToThePersonAndIsReplaced) {
    std::optional<QString> stored;
    SecretStore::storePassword(entry.id, QStringLiteral("the-old-password"), &context, [&](const QString& e) { stored = e; });
    ASSERT_TRUE(test::waitUntil([&] { return stored.has_value(); }, 20000));
    ASSERT_TRUE(stored->isEmpty()) << stored->toStdString();
    Login first = login(entry, password);
    ASSERT_FALSE(first.error) << first.error->fullText().toStdString() << sshd->log();
    EXPECT_EQ(first.asked, 1) << "the refused preset was not handed to the person";
    EXPECT_EQ(inKeyring(), password);
}

// fulcrum-ctl, the real binary without a terminal (so it can ask nothing): a host added with
// --remember-password logs in with the keychain's password, and removing the host removes it.
TEST_F(RememberedPasswordTest, FulcrumCtlLogsInWithTheRememberedPasswordAndForgetsItWithTheHost) {
    const QString home = dir.filePath(QStringLiteral("ctl-home"));
    QDir().mkpath(home + QStringLiteral("/.ssh"));
    auto ctl = [&](const QStringList& arguments) {
        QProcess process;
        QProcessEnvironment env = g_keychain->environment();
        env.insert(QStringLiteral("HOME"), home);
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/.config"));
        env.insert(QStringLiteral("XDG_STATE_HOME"), home + QStringLiteral("/.local/state"));
        process.setProcessEnvironment(env);
        process.setStandardInputFile(QProcess::nullDevice());
        process.setChildProcessModifier([] { ::setsid(); });
        process.start(QStringLiteral(FULCRUM_CTL_BINARY), arguments);
        process.waitForFinished(60000);
        return std::make_pair(process.exitCode(), QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError()));
    };
    const QString destination = QStringLiteral("ssh://%1@127.0.0.1:%2").arg(QString::fromStdString(sshd->user())).arg(sshd->port());
    auto [code, text] = ctl({QStringLiteral("hosts"), QStringLiteral("add"), QStringLiteral("web1"), destination,
                             QStringLiteral("--auth"), QStringLiteral("password"), QStringLiteral("--remember-password")});
    ASSERT_EQ(code, 0) << text.toStdString();
    std::tie(code, text) = ctl({QStringLiteral("hosts"), QStringLiteral("list"), QStringLiteral("--json")});
    ASSERT_EQ(code, 0) << text.toStdString();
    const QJsonObject added = QJsonDocument::fromJson(text.toUtf8()).array()[1].toObject();
    ASSERT_TRUE(added[QStringLiteral("remember_password")].toBool()) << text.toStdString();
    const QString id = added[QStringLiteral("id")].toString();

    // Without a remembered password nobody can answer: the login is refused.
    std::tie(code, text) = ctl({QStringLiteral("status"), QStringLiteral("web1"), QStringLiteral("--accept-new")});
    EXPECT_EQ(code, 3) << text.toStdString();

    std::optional<QString> stored;
    SecretStore::storePassword(id, password, &context, [&](const QString& e) { stored = e; });
    ASSERT_TRUE(test::waitUntil([&] { return stored.has_value(); }, 20000));
    ASSERT_TRUE(stored->isEmpty()) << stored->toStdString();
    // Logged in with it: what stops it now is only the agent, which was never deployed there.
    std::tie(code, text) = ctl({QStringLiteral("status"), QStringLiteral("web1")});
    EXPECT_EQ(code, 1) << text.toStdString();
    EXPECT_TRUE(text.contains(QStringLiteral("not installed on web1"))) << text.toStdString();
    EXPECT_FALSE(text.contains(password)) << text.toStdString();

    std::tie(code, text) = ctl({QStringLiteral("hosts"), QStringLiteral("remove"), QStringLiteral("web1")});
    ASSERT_EQ(code, 0) << text.toStdString();
    EXPECT_TRUE(inKeyring(id).isEmpty()) << "the keychain entry outlived the host";
    EXPECT_EQ(filesContainingPassword(home), QStringList());
}

TEST_F(RememberedPasswordTest, WithoutAKeyringTheLoginAsksAndSaysWhy) {
    g_keychain->stopKeyring();
    Login first = login(entry, password);
    ASSERT_FALSE(first.error) << first.error->fullText().toStdString();
    EXPECT_EQ(first.asked, 1);
    EXPECT_TRUE(first.loadNotice.contains(QStringLiteral("could not be read, so it is asked instead"))) << first.loadNotice.toStdString();
    EXPECT_TRUE(first.loadNotice.contains(QStringLiteral("web1"))) << first.loadNotice.toStdString();
    EXPECT_TRUE(first.storeNotice.contains(QStringLiteral("was not remembered"))) << first.storeNotice.toStdString();
    // And no fallback file took the secret instead.
    EXPECT_EQ(filesContainingPassword(dir.path()), QStringList());
    EXPECT_EQ(filesContainingPassword(g_keychain->dir()), QStringList());
}

}  // namespace
}  // namespace fulcrum::app

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    bool listing = false;  // gtest_discover_tests only lists: no daemons for that
    for (int i = 1; i < argc; ++i) listing |= std::strcmp(argv[i], "--gtest_list_tests") == 0;
    ::testing::InitGoogleTest(&argc, argv);
    fulcrum::app::test::SecretServiceSession keychain;
    if (!listing) {
        // Before any keychain call: libsecret reads the bus address once.
        const QString problem = keychain.start();
        if (!problem.isEmpty()) {
            std::fprintf(stderr, "cannot start a Secret Service for the test: %s\n", qPrintable(problem));
            return 1;
        }
    }
    fulcrum::app::g_keychain = &keychain;
    qInstallMessageHandler(fulcrum::app::captureMessage);
    const int rc = RUN_ALL_TESTS();
    qInstallMessageHandler(nullptr);
    // GLib ends a process whose session bus goes away with SIGTERM; the bus stops below.
    std::signal(SIGTERM, SIG_IGN);
    return rc;
}
