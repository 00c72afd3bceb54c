// The panel's remembered passwords against a REAL Secret Service (a private D-Bus with GNOME
// Keyring, tests/app/inventory/secret_service_session.h) and a REAL OpenSSH sshd: the panel
// uses app core's PresetPasswordPrompter and RememberedPassword as fulcrum-ctl does —
//   * a host that remembers its password and has none stored yet asks once, and what was
//     typed lands in the keychain (another client, secret-tool, finds it);
//   * the next start logs in with it and asks nobody;
//   * a keychain that cannot be read says so on the host's page, in plain words, and the
//     password is asked instead: the login still succeeds.
// The password never reaches a file or the panel's log. HOME is a throwaway directory.
#include "app/inventory/inventory.h"
#include "app/inventory/secret_store.h"
#include "app/rpc/host_session.h"
#include "tests/app/inventory/secret_service_session.h"
#include "tests/support/sshd_fixture.h"
#include "ui/HostPage.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/host/HostController.h"
#include "ui/host/HostsController.h"
#include "ui/widgets/MessageBanner.h"

#include <QApplication>
#include <QDialog>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <memory>

using namespace fulcrum;
using namespace fulcrum::ui;

class TestKeychainGui : public QObject {
    Q_OBJECT
public:
    explicit TestKeychainGui(app::test::SecretServiceSession& keychain) : m_keychain(keychain) {}

private:
    app::test::SecretServiceSession& m_keychain;
    QTemporaryDir m_home{QStringLiteral("/tmp/fulcrum-keychain-gui-XXXXXX")};
    std::unique_ptr<testing::SshdFixture> m_sshd;
    QString m_password;
    QString m_hostId;
    MainWindow* m_window = nullptr;
    HostsController* m_hosts = nullptr;
    // Login questions the person was asked, answered with the right password.
    QTimer m_person;
    int m_asked = 0;
    static inline QStringList s_logged;

    QString hostsFile() const { return m_home.filePath(QStringLiteral("hosts.json")); }

    // The panel as it starts: the window and every host of the saved list, connecting.
    void startPanel() {
        m_window = new MainWindow;
        m_window->resize(1100, 700);
        m_window->show();
        m_hosts = new HostsController(m_window, hostsFile());
        m_window->selectHost(m_hostId);  // its page, where its notices are shown
        m_asked = 0;
    }

    void quitPanel() {
        delete m_hosts;
        m_hosts = nullptr;
        delete m_window;
        m_window = nullptr;
    }

    // The password was right: connected, or stopped only because the host has no agent.
    bool loggedIn() const {
        auto* host = m_hosts ? m_hosts->host(m_hostId) : nullptr;
        if (!host) return false;
        const auto* session = host->session();
        return session->state() == app::HostSession::State::Connected ||
               session->problem() == app::HostSession::Problem::AgentMissing;
    }

    MessageBanner* notice() const { return m_window->hostPage(m_hostId)->notice(); }

    QString inKeyring() const {
        return m_keychain.lookup({QStringLiteral("user"), QStringLiteral("host/%1/password").arg(m_hostId),
                                  QStringLiteral("server"), QString::fromLatin1(app::SecretStore::kService),
                                  QStringLiteral("type"), QStringLiteral("plaintext")});
    }

private slots:
    void initTestCase() {
        QVERIFY2(m_keychain.keyringRunning(), "no Secret Service (see the message above)");
        QVERIFY(m_home.isValid());
        try {
            m_sshd = std::make_unique<testing::SshdFixture>();
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        m_password = QString::fromStdString(m_sshd->password());
        qputenv("HOME", m_home.path().toUtf8());
        qputenv("XDG_CONFIG_HOME", (m_home.path() + QStringLiteral("/.config")).toUtf8());
        // The host's key is known already (as after `ssh` once): only the password is asked.
        QVERIFY(QDir().mkpath(m_home.path() + QStringLiteral("/.ssh")));
        QFile known(m_home.path() + QStringLiteral("/.ssh/known_hosts"));
        QVERIFY(known.open(QIODevice::WriteOnly));
        known.write(QStringLiteral("[%1]:%2 %3\n")
                        .arg(QString::fromStdString(m_sshd->host()))
                        .arg(m_sshd->port())
                        .arg(QString::fromStdString(m_sshd->host_key_line()))
                        .toUtf8());
        known.close();
        auto loaded = app::Inventory::load(hostsFile());
        QVERIFY(std::holds_alternative<app::Inventory>(loaded));
        auto inventory = std::get<app::Inventory>(std::move(loaded));
        app::HostEntry web1;
        web1.name = QStringLiteral("web1");
        web1.address = QString::fromStdString(m_sshd->host());
        web1.port = m_sshd->port();
        web1.user = QString::fromStdString(m_sshd->user());
        web1.auth = app::AuthMethod::Password;
        web1.rememberPassword = true;
        QCOMPARE(inventory.add(web1), QString());
        QCOMPARE(inventory.save(), QString());
        m_hostId = inventory.find(QStringLiteral("web1"))->id;

        Settings::useFile(m_home.filePath(QStringLiteral("settings.ini")));
        Theme::instance()->install(*qApp);
        qInstallMessageHandler([](QtMsgType, const QMessageLogContext&, const QString& text) { s_logged << text; });
        // The person at the keyboard: whatever login question comes, the right password.
        m_person.setInterval(50);
        connect(&m_person, &QTimer::timeout, this, [this] {
            QWidget* modal = QApplication::activeModalWidget();
            if (!modal) return;
            if (auto* input = qobject_cast<QInputDialog*>(modal); input && modal->objectName() == QLatin1String("passwordDialog")) {
                ++m_asked;
                input->setTextValue(m_password);
                input->accept();
            } else if (modal->objectName() == QLatin1String("keyboardInteractiveDialog")) {
                ++m_asked;
                modal->findChild<QLineEdit*>(QStringLiteral("kbdintAnswer0"))->setText(m_password);
                qobject_cast<QDialog*>(modal)->accept();
            }
        });
        m_person.start();
    }

    void cleanupTestCase() {
        m_person.stop();
        quitPanel();
        qInstallMessageHandler(nullptr);
        m_sshd.reset();
    }

    void aTypedPasswordIsRemembered() {
        QCOMPARE(inKeyring(), QString());
        startPanel();
        QTRY_VERIFY_WITH_TIMEOUT(loggedIn(), 20000);
        QCOMPARE(m_asked, 1);
        QTRY_COMPARE_WITH_TIMEOUT(inKeyring(), m_password, 15000);
        QVERIFY(!notice()->isVisible());
        quitPanel();
    }

    void theRememberedPasswordLogsInWithoutAsking() {
        startPanel();
        QTRY_VERIFY_WITH_TIMEOUT(loggedIn(), 20000);
        QCOMPARE(m_asked, 0);
        QVERIFY(!notice()->isVisible());
        quitPanel();
    }

    // No keychain in the desktop session (its daemon gone): the page says what happened and
    // what it means, and the login asks as it would without remembering.
    void anUnreadableKeychainSaysSoAndAsksInstead() {
        m_keychain.stopKeyring();
        startPanel();
        QTRY_VERIFY_WITH_TIMEOUT(notice()->isVisible(), 20000);
        QCOMPARE(notice()->level(), MessageBanner::Level::Warning);
        const QString details = notice()->findChild<QLabel*>(QStringLiteral("messageBannerDetails"))->text();
        QVERIFY2(details.contains(QStringLiteral("could not be read")) && details.contains(QStringLiteral("asked instead")) &&
                     details.contains(QStringLiteral("web1")),
                 qPrintable(details));
        QTRY_VERIFY_WITH_TIMEOUT(loggedIn(), 20000);
        QCOMPARE(m_asked, 1);
        quitPanel();

        // The password is in no file of this desktop's HOME and in nothing the panel logged.
        QDirIterator it(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile file(it.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY2(!file.readAll().contains(m_password.toUtf8()), qPrintable(file.fileName()));
        }
        for (const QString& line : s_logged) QVERIFY2(!line.contains(m_password), "the password was logged");
    }
};

// The private bus becomes the session bus before QApplication exists, so nothing the GUI
// starts can open another one first (libsecret reads the address once).
int main(int argc, char** argv) {
    app::test::SecretServiceSession keychain;
    const QString problem = keychain.start();
    if (!problem.isEmpty()) std::fprintf(stderr, "cannot start a Secret Service for the test: %s\n", qPrintable(problem));
    QApplication application(argc, argv);
    TestKeychainGui test(keychain);
    const int rc = QTest::qExec(&test, argc, argv);
    // GLib ends a process whose session bus goes away with SIGTERM; the bus stops below.
    std::signal(SIGTERM, SIG_IGN);
    return rc;
}

#include "test_keychain_gui.moc"
