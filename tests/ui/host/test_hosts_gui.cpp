// Adding a host and spreading a pool over two hosts, driven through the real widgets by
// objectName against a REAL OpenSSH sshd on loopback (tests/support) and real agents:
//   * the wizard completes aliases from ~/.ssh/config, shows the host key (type and SHA256
//     fingerprint) for confirmation, asks the passphrase of the chosen key naming it, deploys
//     the agent over SFTP with a progress bar, saves the host and shows it connected;
//   * the pool editor of "This computer" adds the workers of the new host as servers, and
//     its proxy reaches them;
//   * removing the host forgets it and leaves the server alone;
//   * a host whose key changed is refused with an explanation and is not added.
// HOME is a throwaway directory, so neither ~/.ssh nor the user's host list is touched.
#include "app/inventory/inventory.h"
#include "app/models/json_bridge.h"
#include "app/models/pool_server_model.h"
#include "app/models/staged_config.h"
#include "app/models/worker_model.h"
#include "app/rpc/agent_locator.h"
#include "app/rpc/host_session.h"
#include "app/ssh/host_key.h"
#include "tests/support/process_sweep.h"
#include "tests/support/sshd_fixture.h"
#include "tests/ui/gui_test_support.h"
#include "tests/ui/tls_test_support.h"
#include "ui/HostPage.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/dialogs/AddHostWizard.h"
#include "ui/host/HostController.h"
#include "ui/host/HostsController.h"
#include "ui/host/PoolsController.h"
#include "ui/host/RebootTargets.h"
#include "ui/host/WorkersController.h"
#include "ui/pages/PoolsPage.h"
#include "ui/pages/StaticHttpsPage.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/StagedChangesBar.h"

#include <nlohmann/json.hpp>

#include <QAbstractButton>
#include <QApplication>
#include <QComboBox>
#include <QCompleter>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QStringListModel>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace fulcrum;
using namespace fulcrum::ui;
using fulcrum::ui::test::callSync;
using fulcrum::ui::test::freePort;
using fulcrum::ui::test::freePortRange;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

class TestHostsGui : public QObject {
    Q_OBJECT
public:
    // A backstop for a run whose cleanupTestCase never came (initTestCase failed early).
    ~TestHostsGui() override { testing::kill_processes_under(testDirs()); }

private:
    // Declared first, so it goes last: once this process is gone, however it ends, it kills
    // what is left under the test's directories (a crash or CTest's timeout skips cleanup).
    std::unique_ptr<testing::SweepAfterExit> m_sweeper;
    QTemporaryDir m_home{QStringLiteral("/tmp/fulcrum-hosts-gui-XXXXXX")};
    QTemporaryDir m_state{QStringLiteral("/tmp/fulcrum-hosts-state-XXXXXX")};
    std::unique_ptr<testing::SshdFixture> m_sshd;
    MainWindow* m_window = nullptr;
    HostsController* m_hosts = nullptr;
    QString m_web1;  // the added host's id
    qint64 m_localDaemon = 0;
    quint16 m_remoteWorkers = 0;
    quint16 m_localListen = 0;  // this computer's proxy
    quint16 m_tlsPort = 0;      // web1's HTTPS listener
    QString m_handMadeCert;     // a certificate put on web1 without the panel, and its key
    QString m_handMadeKey;

    // When a modal dialog opens, `fill` runs on it (exec() blocks the stack below).
    void onNextDialog(std::function<void(QWidget*)> fill, int triesLeft = 1200) {
        QTimer::singleShot(50, this, [this, fill, triesLeft] {
            QWidget* modal = QApplication::activeModalWidget();
            if (!modal || qobject_cast<AddHostWizard*>(modal)) {
                if (triesLeft > 0) onNextDialog(fill, triesLeft - 1);
                return;
            }
            fill(modal);
        });
    }

    // Sends `signal` to the fixture's sshd processes: each session is a child of this process
    // (the fixture forks `sshd -i` per connection), and its privilege-separated children are
    // sshd too. SIGSTOP makes the host stop answering mid-transfer, as a dead link would.
    // Plain C++: also called from a watcher thread.
    static void signalSshd(int signal) {
        namespace fs = std::filesystem;
        std::map<pid_t, pid_t> parentOf;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator("/proc", ec)) {
            const std::string name = entry.path().filename().string();
            if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
            std::error_code link;
            if (fs::read_symlink(entry.path() / "exe", link).filename() != "sshd" || link) continue;
            std::ifstream in(entry.path() / "stat");
            std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
            const auto close = stat.rfind(')');
            if (close == std::string::npos) continue;
            std::istringstream rest(stat.substr(close + 1));
            std::string state;
            pid_t ppid = 0;
            rest >> state >> ppid;
            parentOf[pid_t(std::stoi(name))] = ppid;
        }
        const auto ours = [&parentOf](pid_t pid) {
            for (int depth = 0; depth < 4 && pid > 1; ++depth) {
                const auto it = parentOf.find(pid);
                if (it == parentOf.end()) return false;
                if (it->second == ::getpid()) return true;
                pid = it->second;
            }
            return false;
        };
        for (const auto& [pid, ppid] : parentOf) {
            if (ours(pid)) ::kill(pid, signal);
        }
    }

    // The partial files of an agent upload in progress on the host.
    static QStringList uploadsIn(const QString& dir) {
        return QDir(dir).entryList({QStringLiteral(".fulcrum-agent.upload-*")}, QDir::Files | QDir::Hidden);
    }

    // A certificate and key put on web1 by hand, as its admin would have before Fulcrum: in a
    // directory of the remote home, owned by the remote user so its proxy can read the key.
    // Valid for 5 days, so the page must warn that it runs out.
    bool placeHandMadeCertificate() {
        const QString dir = q(m_sshd->remote_home()) + QStringLiteral("/certs");
        m_handMadeCert = dir + QStringLiteral("/hand.test.crt");
        m_handMadeKey = dir + QStringLiteral("/hand.test.key");
        if (!QDir().mkpath(dir) || !test::makeCertificatePair(m_handMadeCert, m_handMadeKey, QStringLiteral("hand.test"),
                                                             QStringLiteral("DNS:hand.test,IP:127.0.0.1"), 5))
            return false;
        const passwd* owner = ::getpwnam(m_sshd->user().c_str());
        if (!owner) return false;
        for (const QString& path : {dir, m_handMadeCert, m_handMadeKey}) {
            if (::chown(QFile::encodeName(path).constData(), owner->pw_uid, owner->pw_gid) != 0) return false;
        }
        return ::chmod(QFile::encodeName(m_handMadeKey).constData(), 0600) == 0;
    }

    // The regular files under `roots` that hold any of `needles`.
    static QStringList filesContaining(const QStringList& roots, const QByteArrayList& needles) {
        QStringList found;
        for (const QString& root : roots) {
            QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                QFile file(it.next());
                if (file.size() > 64 * 1024 * 1024 || !file.open(QIODevice::ReadOnly)) continue;
                const QByteArray content = file.readAll();
                for (const QByteArray& needle : needles) {
                    if (content.contains(needle)) {
                        found << file.fileName();
                        break;
                    }
                }
            }
        }
        return found;
    }

    // Where everything this test starts lives: this desktop's HOME (its sessions), the local
    // agent's state (its daemon, proxy and workers) and the sshd fixture (the remote agent's HOME).
    std::vector<std::string> testDirs() const {
        std::vector<std::string> dirs{m_home.path().toStdString(), m_state.path().toStdString()};
        if (m_sshd) dirs.push_back(m_sshd->dir());
        return dirs;
    }

    // The loopback ports this test gave to agents, for the proxies and workers behind them.
    QList<quint16> portsGivenToAgents() const {
        QList<quint16> ports;
        for (quint16 port : {m_localListen, m_tlsPort, m_remoteWorkers, quint16(m_remoteWorkers ? m_remoteWorkers + 1 : 0)}) {
            if (port) ports << port;
        }
        return ports;
    }

    // Fills the wizard's pages and goes to the deploy page, which starts connecting.
    AddHostWizard* startWizard(const QString& alias, const QString& name, const QString& keyFile) {
        auto* wizard = m_hosts->openAddHostWizard();
        wizard->findChild<QLineEdit*>(QStringLiteral("hostAddressEdit"))->setText(alias);
        wizard->findChild<QLineEdit*>(QStringLiteral("hostNameEdit"))->setText(name);
        wizard->next();
        wizard->findChild<QRadioButton*>(QStringLiteral("authKeyRadio"))->click();
        wizard->findChild<QLineEdit*>(QStringLiteral("keyFileEdit"))->setText(keyFile);
        wizard->next();
        return wizard;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_home.isValid() && m_state.isValid());
        try {
            m_sshd = std::make_unique<testing::SshdFixture>();
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        m_sweeper = std::make_unique<testing::SweepAfterExit>(FULCRUM_TEST_SWEEPER, testDirs());
        QVERIFY(m_sweeper->running());
        qputenv("HOME", m_home.path().toUtf8());
        qputenv("XDG_CONFIG_HOME", (m_home.path() + QStringLiteral("/.config")).toUtf8());
        qputenv("XDG_STATE_HOME", m_state.path().toUtf8());
        // The alias the wizard completes, as a user would have it.
        QVERIFY(QDir().mkpath(m_home.path() + QStringLiteral("/.ssh")));
        QFile config(m_home.path() + QStringLiteral("/.ssh/config"));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(QStringLiteral("Host fixture-web\n  HostName %1\n  Port %2\n  User %3\n\nHost *.example\n  User nobody\n")
                         .arg(q(m_sshd->host()))
                         .arg(m_sshd->port())
                         .arg(q(m_sshd->user()))
                         .toUtf8());
        config.close();

        Settings::useFile(m_home.filePath(QStringLiteral("settings.ini")));
        Theme::instance()->install(*qApp);
        m_window = new MainWindow;
        m_window->resize(1280, 820);
        m_window->show();
        m_hosts = new HostsController(m_window, m_home.filePath(QStringLiteral("hosts.json")));
        QSignalSpy loaded(m_hosts->local(), &HostController::loaded);
        m_hosts->local()->session()->open();
        QVERIFY2(loaded.wait(30000), qPrintable(m_hosts->local()->session()->statusText()));
        m_localDaemon = m_hosts->local()->session()->agent()->daemon_pid;
    }

    // Runs also after a test function failed midway. First the polite way (workers outlive
    // their agents by design, so they are stopped first; SIGTERM stops a daemon's proxy and
    // workers with it), then whatever is still alive under the test's directories is killed;
    // at the end nothing may be left, and no port given to an agent may still be taken.
    void cleanupTestCase() {
        if (m_hosts) {
            for (const QString& id : {m_web1, QStringLiteral("local")}) {
                auto* controller = id.isEmpty() ? nullptr : m_hosts->host(id);
                if (!controller || controller->session()->state() != app::HostSession::State::Connected) continue;
                protocol::WorkersTarget all;
                all.group = "web";
                callSync<protocol::method::WorkersStop>(controller->session()->rpc(), all);
            }
        }
        delete m_hosts;
        m_hosts = nullptr;
        delete m_window;
        m_window = nullptr;
        if (m_localDaemon > 0) {
            ::kill(pid_t(m_localDaemon), SIGTERM);
            for (int i = 0; i < 100 && ::kill(pid_t(m_localDaemon), 0) == 0; ++i) QTest::qWait(50);
        }
        const std::vector<std::string> dirs = testDirs();
        const std::vector<testing::StrayProcess> stragglers = testing::processes_under(dirs);
        if (!stragglers.empty()) qInfo("killing what did not stop by itself:\n%s", testing::describe(stragglers).c_str());
        const std::vector<testing::StrayProcess> left = testing::kill_processes_under(dirs);
        m_sshd.reset();  // its sessions, and whatever still runs under its HOME
        QVERIFY2(left.empty(), ("still running after cleanup:\n" + testing::describe(left)).c_str());
        const std::vector<testing::StrayProcess> reappeared = testing::processes_under(dirs);
        QVERIFY2(reappeared.empty(), ("started again after cleanup:\n" + testing::describe(reappeared)).c_str());
        for (quint16 port : portsGivenToAgents()) {
            QTcpServer probe;
            QVERIFY2(probe.listen(QHostAddress::LocalHost, port), qPrintable(QStringLiteral("port %1 is still taken").arg(port)));
        }
    }

    void wizardCompletesAliasesFromSshConfig() {
        auto* wizard = m_hosts->openAddHostWizard();
        auto* address = wizard->findChild<QLineEdit*>(QStringLiteral("hostAddressEdit"));
        QVERIFY(address && address->completer());
        auto* model = qobject_cast<QStringListModel*>(address->completer()->model());
        QVERIFY(model);
        // Wildcard patterns are not hosts one can connect to.
        QCOMPARE(model->stringList(), QStringList{QStringLiteral("fixture-web")});
        // The alias is resolved as ssh would, and the wizard says where it leads.
        address->setText(QStringLiteral("fixture-web"));
        const QString resolved = wizard->findChild<QLabel*>(QStringLiteral("destinationResolvedLabel"))->text();
        QVERIFY2(resolved.contains(QStringLiteral("%1, port %2, as %3").arg(q(m_sshd->host())).arg(m_sshd->port()).arg(q(m_sshd->user()))),
                 qPrintable(resolved));
        wizard->reject();
        QTRY_VERIFY(!m_hosts->wizard());
    }

    void addHostThroughTheWizard() {
        const QString key = q(m_sshd->encrypted_user_key_path());
        const QString expected = app::HostKeyInfo::fingerprintOf(q(m_sshd->host_key_line()).section(QLatin1Char(' '), 1, 1).toLatin1());
        QString shownFingerprint, shownType, passphraseLabel;
        // First the host key, then the key's passphrase.
        onNextDialog([&, this](QWidget* dialog) {
            QCOMPARE(dialog->objectName(), QStringLiteral("hostKeyDialog"));
            shownType = dialog->findChild<QLabel*>(QStringLiteral("hostKeyTypeLabel"))->text();
            shownFingerprint = dialog->findChild<QLabel*>(QStringLiteral("hostKeyFingerprintLabel"))->text();
            onNextDialog([&](QWidget* next) {
                QCOMPARE(next->objectName(), QStringLiteral("keyPassphraseDialog"));
                auto* input = qobject_cast<QInputDialog*>(next);
                passphraseLabel = input->labelText();
                input->setTextValue(q(m_sshd->user_key_passphrase()));
                input->accept();
            });
            dialog->findChild<QPushButton*>(QStringLiteral("trustHostKeyButton"))->click();
        });
        QSignalSpy added(m_hosts, &HostsController::hostAdded);
        auto* wizard = startWizard(QStringLiteral("fixture-web"), QStringLiteral("web1"), key);
        auto* progress = wizard->findChild<QProgressBar*>(QStringLiteral("deployProgress"));
        QVERIFY(progress->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(wizard->isDeployed() || wizard->findChild<MessageBanner*>(QStringLiteral("deployBanner"))->isVisible(),
                                 90000);
        QVERIFY2(wizard->isDeployed(), qPrintable(wizard->findChild<MessageBanner*>(QStringLiteral("deployBanner"))->text() +
                                                  QStringLiteral("\nsshd log:\n") + q(m_sshd->log())));
        QCOMPARE(progress->value(), 100);
        QCOMPARE(shownType, QStringLiteral("ssh-ed25519"));
        QCOMPARE(shownFingerprint, expected);
        QVERIFY2(passphraseLabel.contains(key), qPrintable(passphraseLabel));

        // Trusting wrote the key where OpenSSH reads it.
        QFile knownHosts(m_home.path() + QStringLiteral("/.ssh/known_hosts"));
        QVERIFY(knownHosts.open(QIODevice::ReadOnly));
        QVERIFY(knownHosts.readAll().contains(q(m_sshd->host_key_line()).section(QLatin1Char(' '), 1, 1).toLatin1()));
        // The agent is on the host, the host is saved and shown connected.
        QVERIFY(QFileInfo(q(m_sshd->remote_home()) + QStringLiteral("/.local/lib/fulcrum/fulcrum-agent")).isExecutable());
        QCOMPARE(added.count(), 1);
        m_web1 = added.first().first().toString();
        const auto saved = app::Inventory::load(m_home.filePath(QStringLiteral("hosts.json")));
        QVERIFY(std::holds_alternative<app::Inventory>(saved));
        const app::HostEntry* entry = std::get<app::Inventory>(saved).find(QStringLiteral("web1"));
        QVERIFY(entry);
        QCOMPARE(entry->address, QStringLiteral("fixture-web"));
        QCOMPARE(entry->identityFile, key);
        QVERIFY(m_window->hostIds().contains(m_web1));
        QCOMPARE(m_window->currentHostId(), m_web1);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->hostPage(m_web1)->state(), HostState::Connected, 30000);
        wizard->findChild<QAbstractButton*>(QStringLiteral("wizardFinishButton"))->click();
        QTRY_VERIFY(!m_hosts->wizard());
    }

    // The workers-on-other-machines case: "This computer"'s pool takes web1's workers.
    void poolAddsWorkersOfAnotherConnectedHost() {
        QVERIFY(!m_web1.isEmpty());
        auto* remote = m_hosts->host(m_web1);
        auto* local = m_hosts->local();
        m_remoteWorkers = freePortRange(2);
        const quint16 listen = m_localListen = freePort();
        // web1 runs two workers; this computer runs a proxy with an empty pool.
        const QByteArray remoteConfig = QStringLiteral(R"({
          "workers": [{"name": "web", "command": ["/usr/bin/waitress-serve", "--listen=127.0.0.1:{port}", "demo_app:application"],
                       "count": 2, "base_port": %1, "cwd": "%2", "health": {"type": "http", "path": "/healthz"},
                       "stop_grace_ms": 3000}]})")
                                           .arg(m_remoteWorkers)
                                           .arg(QStringLiteral(FULCRUM_SOURCE_DEMO_DIR))
                                           .toUtf8();
        const QByteArray localConfig = QStringLiteral(R"({
          "listeners": [{"name": "http", "address": "127.0.0.1:%1"}],
          "routes": [{"path_prefix": "/", "pool": "app"}],
          "pools": [{"name": "app", "balance": "round_robin", "servers": [],
                     "health": {"path": "/healthz", "interval_ms": 300, "timeout_ms": 250, "rise": 1, "fall": 1}}]})")
                                          .arg(listen)
                                          .toUtf8();
        for (auto [controller, text] : {std::pair{remote, remoteConfig}, std::pair{local, localConfig}}) {
            protocol::ConfigApplyParams params;
            params.config.document = app::toNlohmann(QJsonDocument::fromJson(text).object());
            params.comment = "gui test setup";
            auto applied = callSync<protocol::method::ConfigApply>(controller->session()->rpc(), params);
            QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
        }
        auto* workers = remote->workers()->model();
        QTRY_VERIFY_WITH_TIMEOUT(workers->groupIndex(QStringLiteral("web")).isValid() &&
                                     workers->rowCount(workers->groupIndex(QStringLiteral("web"))) == 2,
                                 20000);

        m_window->selectHost(QStringLiteral("local"));
        auto* page = m_window->hostPage(QStringLiteral("local"));
        page->setSection(HostPage::Pools);
        QTRY_COMPARE_WITH_TIMEOUT(local->config()->pool(QStringLiteral("app")).isEmpty(), false, 10000);
        auto* action = page->pools()->addServerMenu()->findChild<QAction*>(QStringLiteral("addPeerWorkersAction"));
        QVERIFY(action);
        action->trigger();
        auto* dialog = local->pools()->peerWorkersDialog();
        QVERIFY(dialog && dialog->isVisible());
        auto* tree = dialog->findChild<QTreeWidget*>(QStringLiteral("peerWorkersTree"));
        QVERIFY(tree->isVisible());
        // Only the other host is offered, with its group and both instances.
        QCOMPARE(tree->topLevelItemCount(), 1);
        QTreeWidgetItem* host = tree->topLevelItem(0);
        QCOMPARE(host->text(0), QStringLiteral("web1"));
        QCOMPARE(host->text(1), q(m_sshd->host()));
        QCOMPARE(host->childCount(), 1);
        QTreeWidgetItem* group = host->child(0);
        QVERIFY(group->text(0).startsWith(QStringLiteral("web")));
        QCOMPARE(group->childCount(), 2);
        auto* add = dialog->findChild<QPushButton*>(QStringLiteral("addPeerWorkersButton"));
        QVERIFY(!add->isEnabled());
        group->setCheckState(0, Qt::Checked);  // the whole group
        QVERIFY(add->isEnabled());
        add->click();

        const QStringList expected{QStringLiteral("127.0.0.1:%1").arg(m_remoteWorkers),
                                   QStringLiteral("127.0.0.1:%1").arg(m_remoteWorkers + 1)};
        auto* table = page->pools()->findChild<QTableView*>(QStringLiteral("serversTable"));
        QTRY_COMPARE(table->model()->rowCount(), 2);
        for (int row = 0; row < 2; ++row) {
            QCOMPARE(table->model()->index(row, 0).data().toString(), expected[row]);
            QCOMPARE(table->model()->index(row, 0).data(app::PoolServerModel::StagedRole).toString(), QStringLiteral("added"));
        }
        page->pools()->findChild<QPushButton*>(QStringLiteral("applyButton"))->click();
        // Applied, and this computer's proxy reaches web1's workers: healthy within seconds.
        const auto healthy = [table] {
            if (table->model()->rowCount() != 2) return false;
            for (int row = 0; row < 2; ++row) {
                if (table->model()->index(row, app::PoolServerModel::HealthColumn).data().toString() != QLatin1String("Healthy"))
                    return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(healthy(), 20000);
        auto stored = callSync<protocol::method::ConfigGet>(local->session()->rpc(), {});
        QVERIFY(stored.ok());
        QCOMPARE(stored.value().document["pools"][0]["servers"].size(), std::size_t(2));
    }

    // Upload a certificate and key to a remote host (SFTP over the host's own SSH connection):
    // web1's HTTPS listener already serves a certificate someone put on the host by hand; the
    // uploaded pair joins it on that listener, is applied from the page's staged-changes bar,
    // and a TLS client asking for its name gets exactly that certificate from web1's proxy.
    // On the host the key is mode 0600, owned by the agent's user; no log and no other file,
    // here or on the host, holds a line of it.
    void uploadACertificateToARemoteHostAndServeIt() {
        QVERIFY(!m_web1.isEmpty());
        auto* remote = m_hosts->host(m_web1);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString cert = dir.filePath(QStringLiteral("upload.test.crt")), key = dir.filePath(QStringLiteral("upload.test.key"));
        QVERIFY(test::makeCertificatePair(cert, key, QStringLiteral("upload.test"), QStringLiteral("DNS:upload.test,DNS:www.upload.test"), 30));
        const QByteArrayList keyLines = test::keyBodyLines(key);
        QVERIFY(!keyLines.isEmpty());

        // The certificate already on the host, put there without the panel.
        m_tlsPort = freePort();
        QVERIFY(placeHandMadeCertificate());
        auto stored = callSync<protocol::method::ConfigGet>(remote->session()->rpc(), {});
        QVERIFY(stored.ok());
        nlohmann::json doc = stored.value().document;
        doc["listeners"] = nlohmann::json::array(
            {{{"name", "https"},
              {"address", QStringLiteral("127.0.0.1:%1").arg(m_tlsPort).toStdString()},
              {"tls", {{"certificates", nlohmann::json::array({{{"cert", m_handMadeCert.toStdString()},
                                                                 {"key", m_handMadeKey.toStdString()}}})}}}}});
        protocol::ConfigApplyParams params;
        params.config.document = doc;
        params.comment = "gui test: an HTTPS listener with a certificate put on the host by hand";
        auto applied = callSync<protocol::method::ConfigApply>(remote->session()->rpc(), params);
        QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
        QTRY_VERIFY_WITH_TIMEOUT(!test::servedCertificate(QStringLiteral("127.0.0.1"), m_tlsPort, QStringLiteral("hand.test")).isNull(),
                                 15000);

        // Everything the panel logs while it works, to look for the key afterwards.
        static QStringList logged;
        logged.clear();
        const auto previous = qInstallMessageHandler([](QtMsgType, const QMessageLogContext&, const QString& text) { logged << text; });
        const auto restore = qScopeGuard([previous] { qInstallMessageHandler(previous); });

        m_window->selectHost(m_web1);
        auto* hostPage = m_window->hostPage(m_web1);
        hostPage->setSection(HostPage::StaticHttps);
        auto* page = hostPage->staticHttps();
        auto* config = remote->config();
        QTRY_VERIFY_WITH_TIMEOUT(config->applied().value(QStringLiteral("listeners")).toArray().size() == 1, 10000);
        QCOMPARE(config->changeCount(), 0);
        onNextDialog([&](QWidget* dialog) {
            QCOMPARE(dialog->objectName(), QStringLiteral("uploadCertificateDialog"));
            dialog->findChild<QLineEdit*>(QStringLiteral("certificateFileEdit"))->setText(cert);
            dialog->findChild<QLineEdit*>(QStringLiteral("keyFileEdit"))->setText(key);
            auto* listener = dialog->findChild<QComboBox*>(QStringLiteral("certificateListenerCombo"));
            const int https = listener->findData(QStringLiteral("https"));
            QVERIFY(https >= 0);  // the host's own TLS listener is offered
            listener->setCurrentIndex(https);
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        QTest::mouseClick(page->findChild<QToolButton*>(QStringLiteral("uploadCertificateButton")), Qt::LeftButton);
        auto* banner = page->banner();
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible() && banner->level() != MessageBanner::Level::Info, 30000);
        QVERIFY2(banner->level() == MessageBanner::Level::Positive,
                 qPrintable(banner->text() + QLatin1Char(' ') +
                            banner->findChild<QLabel*>(QStringLiteral("messageBannerDetails"))->text()));
        QVERIFY(banner->text().contains(QStringLiteral("upload.test")));

        // On the host, where the agent keeps its TLS files: the same bytes, the key 0600 and the
        // agent's user's own.
        const QString tls = q(m_sshd->remote_home()) + QStringLiteral("/.local/state/fulcrum/tls");
        const QString installedKey = tls + QStringLiteral("/upload.test.key");
        QFile original(key), installed(installedKey);
        QVERIFY(original.open(QIODevice::ReadOnly) && installed.open(QIODevice::ReadOnly));
        QCOMPARE(installed.readAll(), original.readAll());
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(installedKey).constData(), &st), 0);
        QCOMPARE(st.st_mode & 07777, mode_t(0600));
        const passwd* owner = ::getpwnam(m_sshd->user().c_str());
        QVERIFY(owner);
        QCOMPARE(st.st_uid, owner->pw_uid);
        QVERIFY(QDir(tls).entryList({QStringLiteral("*.upload-*")}, QDir::Files | QDir::Hidden).isEmpty());

        // Staged on the existing listener beside the hand-made certificate, then applied.
        const QJsonArray staged = config->staged()
                                      .value(QStringLiteral("listeners"))
                                      .toArray()
                                      .at(0)
                                      .toObject()
                                      .value(QStringLiteral("tls"))
                                      .toObject()
                                      .value(QStringLiteral("certificates"))
                                      .toArray();
        QCOMPARE(staged.size(), 2);
        QCOMPARE(staged.at(1).toObject().value(QStringLiteral("key")).toString(), installedKey);
        const qint64 before = config->appliedVersion();
        QTest::mouseClick(page->stagedBar()->findChild<QPushButton*>(QStringLiteral("applyButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(config->appliedVersion() > before, 15000);

        // web1's proxy serves exactly the uploaded certificate for its names, and still the
        // hand-made one for its own.
        const QSslCertificate expected = QSslCertificate::fromPath(cert).value(0);
        QVERIFY(!expected.isNull());
        QTRY_COMPARE_WITH_TIMEOUT(test::servedCertificate(QStringLiteral("127.0.0.1"), m_tlsPort, QStringLiteral("www.upload.test")),
                                  expected, 15000);
        QCOMPARE(test::servedCertificate(QStringLiteral("127.0.0.1"), m_tlsPort, QStringLiteral("hand.test")),
                 QSslCertificate::fromPath(m_handMadeCert).value(0));

        // No line of the key anywhere else: the panel's log, sshd's log, and every file of this
        // desktop's and the host's home (the agent's state and logs among them).
        for (const QString& line : logged) {
            for (const QByteArray& secret : keyLines) QVERIFY2(!line.toUtf8().contains(secret), "the panel logged the key");
        }
        for (const QByteArray& secret : keyLines) QVERIFY2(!QByteArray::fromStdString(m_sshd->log()).contains(secret), "sshd logged the key");
        const QStringList holders = filesContaining({m_home.path(), m_state.path(), q(m_sshd->remote_home())}, keyLines);
        QCOMPARE(holders, QStringList{installedKey});
    }

    // Every certificate web1's config names is described — subject, SANs, expiry — read on
    // the host by its agent, also the one put there by hand that this panel never saw; the
    // one running out in 5 days is flagged on the page and counted on the Overview. A file
    // the config names but the host does not have says so.
    void certificatesOfARemoteHostAreDescribedWhoeverPutThemThere() {
        QVERIFY(!m_web1.isEmpty() && !m_handMadeCert.isEmpty());
        auto* hostPage = m_window->hostPage(m_web1);
        hostPage->setSection(HostPage::StaticHttps);
        auto* table = hostPage->staticHttps()->certificatesTable();
        const auto rowOf = [table](const QString& fileName) {
            for (int row = 0; row < table->model()->rowCount(); ++row) {
                if (table->model()->index(row, 0).data().toString() == fileName) return row;
            }
            return -1;
        };
        const auto cell = [table](int row, int column) { return table->model()->index(row, column).data().toString(); };
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(QStringLiteral("hand.test.crt")) >= 0 &&
                                     cell(rowOf(QStringLiteral("hand.test.crt")), 1) == QLatin1String("hand.test"),
                                 10000);
        const int hand = rowOf(QStringLiteral("hand.test.crt"));
        QCOMPARE(cell(hand, 2), QStringLiteral("hand.test, 127.0.0.1"));
        const QDateTime expires = QSslCertificate::fromPath(m_handMadeCert).value(0).expiryDate();
        QCOMPARE(cell(hand, 3), QLocale().toString(expires.toLocalTime().date(), QLocale::ShortFormat));
        QVERIFY2(cell(hand, 4).startsWith(QStringLiteral("Expires in")) && cell(hand, 4).contains(QStringLiteral("renew it")),
                 qPrintable(cell(hand, 4)));
        QCOMPARE(table->model()->index(hand, 0).data(Qt::ToolTipRole).toString(), m_handMadeCert);
        const int uploaded = rowOf(QStringLiteral("upload.test.crt"));
        QVERIFY(uploaded >= 0);
        QCOMPARE(cell(uploaded, 1), QStringLiteral("upload.test"));
        QCOMPARE(cell(uploaded, 2), QStringLiteral("upload.test, www.upload.test"));
        QVERIFY2(cell(uploaded, 4).startsWith(QStringLiteral("Valid")), qPrintable(cell(uploaded, 4)));
        // The one running out is counted where the host's health is summed up.
        hostPage->setSection(HostPage::Overview);
        QTRY_COMPARE(hostPage->findChild<QLabel*>(QStringLiteral("healthCertsLabel"))->text(), QStringLiteral("1"));

        // A hand edit naming a file the host does not have: described as such, not as blank.
        auto* config = m_hosts->host(m_web1)->config();
        QJsonObject doc = config->staged();
        QJsonArray listeners = doc.value(QStringLiteral("listeners")).toArray();
        QJsonObject https = listeners.at(0).toObject();
        QJsonObject tls = https.value(QStringLiteral("tls")).toObject();
        QJsonArray certs = tls.value(QStringLiteral("certificates")).toArray();
        const QString gone = q(m_sshd->remote_home()) + QStringLiteral("/certs/gone.test.crt");
        certs.append(QJsonObject{{QStringLiteral("cert"), gone}, {QStringLiteral("key"), m_handMadeKey}});
        tls.insert(QStringLiteral("certificates"), certs);
        https.insert(QStringLiteral("tls"), tls);
        listeners[0] = https;
        doc.insert(QStringLiteral("listeners"), listeners);
        config->setStaged(doc);
        hostPage->setSection(HostPage::StaticHttps);
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(QStringLiteral("gone.test.crt")) >= 0 &&
                                     cell(rowOf(QStringLiteral("gone.test.crt")), 4).contains(QStringLiteral("no such file")),
                                 10000);
        config->discard();
        QTRY_COMPARE(rowOf(QStringLiteral("gone.test.crt")), -1);
    }

    void removingAHostForgetsItButLeavesTheServerAlone() {
        QVERIFY(!m_web1.isEmpty());
        // Stop web1's workers while it is still ours to talk to.
        protocol::WorkersTarget all;
        all.group = "web";
        callSync<protocol::method::WorkersStop>(m_hosts->host(m_web1)->session()->rpc(), all);
        m_hosts->removeHost(m_web1, /*confirm=*/false);
        QVERIFY(!m_window->hostIds().contains(m_web1));
        QVERIFY(!m_hosts->host(m_web1));
        QVERIFY(!RebootTargets::of(m_window)->find(m_web1));  // no longer offered for a reboot
        const auto saved = app::Inventory::load(m_home.filePath(QStringLiteral("hosts.json")));
        QVERIFY(std::holds_alternative<app::Inventory>(saved));
        QVERIFY(!std::get<app::Inventory>(saved).find(QStringLiteral("web1")));
        QVERIFY(QFileInfo(q(m_sshd->remote_home()) + QStringLiteral("/.local/lib/fulcrum/fulcrum-agent")).exists());
        m_web1.clear();
    }

    // Closing the wizard while the agent uploads: the host stops answering mid-transfer (its
    // sshd is frozen), and the window must not wait for the transfer — neither for the chunk
    // under way nor for the SSH timeout. Once the host answers again the upload stops, leaves
    // no partial file, installs nothing, and no host is added.
    void closingTheWizardDuringTheUploadNeverWaits() {
        const QString agentDir = q(m_sshd->remote_home()) + QStringLiteral("/.local/lib/fulcrum");
        // Without an agent on the host the wizard uploads one.
        QFile::remove(agentDir + QStringLiteral("/fulcrum-agent"));
        const qint64 agentSize = QFileInfo(app::locateAgentBinary().path).size();
        QVERIFY(agentSize > 0);
        std::atomic<bool> stop{false}, frozen{false};
        // Freezes the host as soon as the upload's file appears (well before 20 MB are through).
        std::thread watcher([&] {
            while (!stop) {
                if (!uploadsIn(agentDir).isEmpty()) {
                    signalSshd(SIGSTOP);
                    frozen = true;
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        });
        const auto thaw = qScopeGuard([&] {
            stop = true;
            watcher.join();
            signalSshd(SIGCONT);
        });

        auto* wizard = startWizard(QStringLiteral("fixture-web"), QStringLiteral("web3"), q(m_sshd->user_key_path()));
        auto* step = wizard->findChild<QLabel*>(QStringLiteral("deployStepLabel"));
        QTRY_VERIFY_WITH_TIMEOUT(frozen && step->text().contains(QStringLiteral("Uploading")), 60000);
        const QStringList partial = uploadsIn(agentDir);
        QCOMPARE(partial.size(), 1);
        const QString partialPath = agentDir + QLatin1Char('/') + partial.first();
        const qint64 written = QFileInfo(partialPath).size();
        QVERIFY(written < agentSize);
        QTest::qWait(300);
        QCOMPARE(QFileInfo(partialPath).size(), written);  // the host is frozen: nothing moves

        // The SSH timeout is 10 s: a window that waited for the transfer would hang that long.
        QElapsedTimer closing;
        closing.start();
        wizard->reject();
        QTRY_VERIFY(!m_hosts->wizard());
        QTest::qWait(200);  // the flow and its session are deleted (deleteLater) in here
        QVERIFY2(closing.elapsed() < 3000, qPrintable(QStringLiteral("closing took %1 ms").arg(closing.elapsed())));

        // The host answers again: the upload stops at its next chunk and removes its file.
        stop = true;
        signalSshd(SIGCONT);
        QTRY_VERIFY_WITH_TIMEOUT(uploadsIn(agentDir).isEmpty(), 30000);
        QVERIFY(!QFile::exists(agentDir + QStringLiteral("/fulcrum-agent")));
        QVERIFY(!m_hosts->inventory().find(QStringLiteral("web3")));
        QCOMPARE(m_window->hostIds().size(), 1);  // "This computer" only
    }

    // Last: the fixture's key changes under every later connection.
    void changedHostKeyIsRefusedAndNothingIsAdded() {
        m_sshd->replace_host_key();
        QString refusal;
        onNextDialog([&](QWidget* dialog) {
            QCOMPARE(dialog->objectName(), QStringLiteral("changedHostKeyBox"));
            auto* box = qobject_cast<QMessageBox*>(dialog);
            refusal = box->text() + box->informativeText();
            box->button(QMessageBox::Close)->click();
        });
        auto* wizard = startWizard(QStringLiteral("fixture-web"), QStringLiteral("web2"), q(m_sshd->user_key_path()));
        auto* banner = wizard->findChild<MessageBanner*>(QStringLiteral("deployBanner"));
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 30000);
        QVERIFY(!wizard->isDeployed());
        QVERIFY2(banner->text().contains(QStringLiteral("different host key")), qPrintable(banner->text()));
        QVERIFY2(refusal.contains(QStringLiteral("ssh-keygen -R")), qPrintable(refusal));
        QVERIFY(!m_hosts->inventory().find(QStringLiteral("web2")));
        wizard->reject();
        QTRY_VERIFY(!m_hosts->wizard());
    }
};

QTEST_MAIN(TestHostsGui)
#include "test_hosts_gui.moc"
