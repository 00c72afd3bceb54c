// What the panel says about a host's connection, through real sessions: a REAL local agent
// (fulcrum-agent rpc, as for "This computer", with its own state directory), an SSH host on a
// loopback port nothing listens on, and an agent binary that does not exist. Every state the
// sidebar shows reads as one phrase — never the same thing twice ("Not connected ·
// Disconnected." was) — and the recent events of a fresh connection say nothing "again".
#include "app/models/host_events.h"
#include "app/models/json_bridge.h"
#include "app/models/metric_series_model.h"
#include "app/rpc/host_session.h"
#include "tests/ui/gui_test_support.h"
#include "ui/HostPage.h"
#include "ui/HostStatus.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/host/HostController.h"
#include "ui/host/TrafficController.h"
#include "ui/pages/OverviewPage.h"
#include "ui/pages/SectionPage.h"
#include "ui/widgets/EmptyState.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListView>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace fulcrum;
using namespace fulcrum::ui;
using State = app::HostSession::State;
using fulcrum::ui::test::callSync;

namespace {

// The word of the state's name that its detail must not say again ("Connecting…" → "connecting").
QString stateWord(const QString& label) {
    if (label == QLatin1String("Not connected")) return QStringLiteral("connect");
    QString word = label.section(QLatin1Char(' '), 0, 0);
    word.remove(QChar(0x2026));
    return word.toLower();
}

}  // namespace

class TestHostStatusGui : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_state{QStringLiteral("/tmp/fulcrum-status-XXXXXX")};
    QTemporaryDir m_settings;
    MainWindow* m_window = nullptr;
    QListView* m_list = nullptr;
    QList<qint64> m_daemons;
    QList<app::HostSession*> m_sessions;  // each owns its controller; deleted before the window
    QHash<QString, QStringList> m_seen;  // host id → every sidebar line it showed, in order

    QString line(const QString& id) const {
        for (int row = 0; row < m_list->model()->rowCount(); ++row) {
            const QModelIndex index = m_list->model()->index(row, 0);
            if (index.data(HostIdRole).toString() == id) return index.data(HostStatusLineRole).toString();
        }
        return {};
    }
    // What every section of the host's page shows while it is not live: {title, text}, the same on each.
    QPair<QString, QString> offline(const QString& id) const {
        HostPage* page = m_window->hostPage(id);
        const EmptyState* state = page->page(HostPage::Overview)->disconnectedState();
        for (int i = 0; i < HostPage::SectionCount; ++i) {
            const EmptyState* other = page->page(i)->disconnectedState();
            if (other->title() != state->title() || other->text() != state->text()) return {QStringLiteral("differs"), {}};
        }
        return {state->title(), state->text()};
    }
    QString toolTip(const QString& id) const {
        for (int row = 0; row < m_list->model()->rowCount(); ++row) {
            const QModelIndex index = m_list->model()->index(row, 0);
            if (index.data(HostIdRole).toString() == id) return index.data(Qt::ToolTipRole).toString();
        }
        return {};
    }
    QString statusBar() const { return m_window->findChild<QLabel*>(QStringLiteral("connectionStatusLabel"))->text(); }

    // Each line the sidebar ever showed: the state's name, then at most what that name does not say.
    void verifyEachLineSaysItOnce() const {
        for (auto it = m_seen.cbegin(); it != m_seen.cend(); ++it) {
            for (const QString& seen : it.value()) {
                const QString label = seen.section(QStringLiteral(" · "), 0, 0);
                const QString detail = seen.section(QStringLiteral(" · "), 1);
                if (label == QLatin1String("Not connected")) QVERIFY2(detail.isEmpty(), qPrintable(seen));
                if (label == QLatin1String("Error")) {
                    QVERIFY2(!detail.startsWith(QStringLiteral("Error"), Qt::CaseInsensitive), qPrintable(seen));
                } else {
                    QVERIFY2(!detail.contains(stateWord(label), Qt::CaseInsensitive), qPrintable(it.key() + QStringLiteral(": ") + seen));
                }
            }
        }
    }

    HostController* addHost(const QString& id, const QString& name, app::HostSession* session) {
        HostPage* page = m_window->addHost(id, name, QString(), session->endpoint().isLocal());
        auto* controller = new HostController(session, page, m_window, session);
        m_sessions << session;
        connect(m_list->model(), &QAbstractItemModel::dataChanged, this, [this, id] {
            const QString now = line(id);
            QStringList& lines = m_seen[id];
            if (lines.isEmpty() || lines.last() != now) lines << now;
        });
        return controller;
    }

    static QStringList eventTexts(const app::HostEvents* events) {
        QStringList texts;
        for (int row = 0; row < events->rowCount(); ++row) texts << events->eventAt(row).text;
        return texts;
    }

    // This process's `fulcrum-agent rpc` children: the bridges of "This computer" sessions.
    static QSet<qint64> rpcBridges() {
        QSet<qint64> pids;
        QDir tasks(QStringLiteral("/proc/self/task"));
        for (const QString& task : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QFile children(tasks.filePath(task + QStringLiteral("/children")));
            if (!children.open(QIODevice::ReadOnly)) continue;
            for (const QByteArray& pid : children.readAll().split(' ')) {
                QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(QString::fromLatin1(pid.trimmed())));
                if (!pid.trimmed().isEmpty() && cmdline.open(QIODevice::ReadOnly) && cmdline.readAll().split('\0').contains("rpc"))
                    pids << pid.trimmed().toLongLong();
            }
        }
        return pids;
    }

    void screenshot(const QString& name) { fulcrum::ui::test::screenshot(m_window, name); }
    void stopDaemons() {
        for (qint64 pid : std::exchange(m_daemons, {})) fulcrum::ui::test::stopDaemon(pid);
    }

private slots:
    void initTestCase() {
        QVERIFY(m_state.isValid());
        Settings::useFile(m_settings.filePath(QStringLiteral("settings.ini")));
        Theme::instance()->install(*qApp);
        qputenv("XDG_STATE_HOME", m_state.path().toUtf8());
        m_window = new MainWindow;
        m_window->resize(1280, 820);
        m_window->show();
        m_list = m_window->findChild<QListView*>(QStringLiteral("hostList"));
        QVERIFY(m_list);
    }

    void cleanupTestCase() {
        qDeleteAll(std::exchange(m_sessions, {}));
        delete m_window;
        stopDaemons();
    }

    void sidebarSaysEachStateOnce() {
        auto* local = new app::HostSession(app::HostEndpoint::thisComputer());
        addHost(QStringLiteral("local"), QStringLiteral("This computer"), local);
        m_window->selectHost(QStringLiteral("local"));
        QCOMPARE(line(QStringLiteral("local")), QStringLiteral("Not connected"));
        QCOMPARE(statusBar(), QStringLiteral("This computer — Not connected. Connect to see live state."));

        QSignalSpy connected(local, &app::HostSession::connected);
        local->open();
        QCOMPARE(line(QStringLiteral("local")), QStringLiteral("Connecting…"));
        QCOMPARE(statusBar(), QStringLiteral("This computer — Connecting… Opening the connection."));
        QVERIFY2(connected.wait(30000), qPrintable(local->statusText()));
        m_daemons << local->agent()->daemon_pid;
        const QString agentLine = QStringLiteral("Connected · agent %1").arg(QString::fromStdString(local->agent()->agent_version));
        QCOMPARE(line(QStringLiteral("local")), agentLine);
        QCOMPARE(statusBar(), QStringLiteral("This computer — ") + agentLine);

        local->setDeploying(true);
        QCOMPARE(line(QStringLiteral("local")), QStringLiteral("Deploying agent…"));
        local->setDeploying(false);
        QCOMPARE(line(QStringLiteral("local")), agentLine);
        local->setRebooting(true);
        QCOMPARE(line(QStringLiteral("local")), QStringLiteral("Rebooting"));
        local->setRebooting(false);
        QCOMPARE(line(QStringLiteral("local")), agentLine);

        // What the last session saw: after Disconnect the line said "Not connected · Disconnected."
        local->close();
        QCOMPARE(line(QStringLiteral("local")), QStringLiteral("Not connected"));
        QCOMPARE(statusBar(), QStringLiteral("This computer — Not connected. Connect to see live state."));

        // Nothing listens on this loopback port: refused, retried, then unreachable, with why.
        app::SshTarget nowhere;
        nowhere.alias = QStringLiteral("nowhere");
        nowhere.hostName = QStringLiteral("127.0.0.1");
        nowhere.port = fulcrum::ui::test::freePort();
        nowhere.user = QStringLiteral("nobody");
        app::SessionTimings patient;
        patient.reconnectInitial = std::chrono::milliseconds(200);
        patient.reconnectMax = std::chrono::milliseconds(400);
        auto* gone = new app::HostSession(app::HostEndpoint::overSsh(nowhere), {}, patient);
        addHost(QStringLiteral("nowhere"), QStringLiteral("nowhere"), gone);
        gone->open();
        QTRY_COMPARE_WITH_TIMEOUT(gone->state(), State::Unreachable, 15000);
        // One more attempt, so the line has also said "trying again" while unreachable.
        QTRY_VERIFY_WITH_TIMEOUT(gone->failedAttempts() >= 3, 15000);
        m_window->selectHost(QStringLiteral("nowhere"));
        const QString unreachable = line(QStringLiteral("nowhere"));
        QVERIFY2(unreachable.startsWith(QStringLiteral("Unreachable · ")), qPrintable(unreachable));
        QVERIFY2(unreachable.contains(QStringLiteral("refused"), Qt::CaseInsensitive), qPrintable(unreachable));
        QVERIFY2(statusBar() == QStringLiteral("nowhere — ") + unreachable, qPrintable(statusBar()));
        // The sidebar elides it; its tooltip has it whole.
        QVERIFY(toolTip(QStringLiteral("nowhere")).endsWith(unreachable));
        // The host's pages say the same instead of an idle "Not connected — Connect to…" while
        // Fulcrum is still trying.
        QTRY_COMPARE(offline(QStringLiteral("nowhere")).first, QStringLiteral("No answer from this host"));
        QVERIFY2(offline(QStringLiteral("nowhere")).second.contains(QStringLiteral("refused"), Qt::CaseInsensitive) &&
                     offline(QStringLiteral("nowhere")).second.contains(QStringLiteral("keeps trying")),
                 qPrintable(offline(QStringLiteral("nowhere")).second));
        const QStringList goneLines = m_seen.value(QStringLiteral("nowhere"));
        QVERIFY2(goneLines.filter(QStringLiteral("Retrying in")).size() > 0, qPrintable(goneLines.join(QLatin1Char('\n'))));
        QVERIFY2(goneLines.filter(QRegularExpression(QStringLiteral("^Unreachable · .*refused.*Trying again \\(attempt \\d+\\)…$"),
                                                     QRegularExpression::CaseInsensitiveOption))
                         .size() > 0,
                 qPrintable(goneLines.join(QLatin1Char('\n'))));
        local->open();
        QVERIFY2(connected.wait(30000), qPrintable(local->statusText()));
        screenshot(QStringLiteral("sidebar-unreachable"));
        gone->close();
        QCOMPARE(line(QStringLiteral("nowhere")), QStringLiteral("Not connected"));
        QCOMPARE(offline(QStringLiteral("nowhere")).first, QStringLiteral("Not connected"));
        QVERIFY(offline(QStringLiteral("nowhere")).second.startsWith(QStringLiteral("Connect to this host")));

        // An error with its reason, said once.
        app::LocalAgentOptions missing;
        missing.agentPath = QStringLiteral("/nonexistent/fulcrum-agent");
        auto* broken = new app::HostSession(app::HostEndpoint::thisComputer(missing));
        addHost(QStringLiteral("broken"), QStringLiteral("Broken"), broken);
        broken->open();
        QTRY_COMPARE_WITH_TIMEOUT(broken->state(), State::Error, 10000);
        QCOMPARE(line(QStringLiteral("broken")), QStringLiteral("Error · ") + broken->statusText());
        QVERIFY(line(QStringLiteral("broken")).contains(QStringLiteral("/nonexistent/fulcrum-agent")));
        QCOMPARE(offline(QStringLiteral("broken")).first, QStringLiteral("Could not connect"));
        QCOMPARE(offline(QStringLiteral("broken")).second, broken->statusText());

        screenshot(QStringLiteral("sidebar-states"));
        verifyEachLineSaysItOnce();
        QVERIFY2(m_seen.value(QStringLiteral("local")).contains(QStringLiteral("Connecting…")),
                 qPrintable(m_seen.value(QStringLiteral("local")).join(QLatin1Char('\n'))));
    }

    // "The proxy is running again" once greeted a proxy the panel had never seen stopped: the
    // demo's, first seen before its config was applied. A panel that watched from before the
    // config says "started" and "healthy"; a fresh panel on a running proxy says nothing about
    // it; "again" follows only a stop, a fall or a lost connection the panel saw.
    void recentEventsSayAgainOnlyAfterWhatThePanelSaw() {
        // Watching an agent with no configuration yet, as the demo's panel does.
        auto* watcher = new app::HostSession(app::HostEndpoint::thisComputer());
        HostController* watching = addHost(QStringLiteral("watcher"), QStringLiteral("Watcher"), watcher);
        QSignalSpy watcherLoaded(watching, &HostController::loaded);
        watcher->open();
        QVERIFY2(watcherLoaded.wait(30000), qPrintable(watcher->statusText()));
        m_daemons << watcher->agent()->daemon_pid;
        QTRY_VERIFY_WITH_TIMEOUT(watching->traffic()->model()->sampleCount() > 0, 10000);

        const quint16 listen = fulcrum::ui::test::freePort();
        const quint16 base = fulcrum::ui::test::freePortRange(2);
        QVERIFY(base != 0);
        const QByteArray text = QStringLiteral(R"({
          "listeners": [{"name": "http", "address": "127.0.0.1:%1"}],
          "routes": [{"path_prefix": "/", "pool": "app"}],
          "pools": [{"name": "app", "balance": "round_robin", "follow_workers": "web", "servers": [],
                     "health": {"path": "/healthz", "interval_ms": 300, "timeout_ms": 250, "rise": 2, "fall": 2}}],
          "workers": [{"name": "web", "command": ["/usr/bin/waitress-serve", "--listen=127.0.0.1:{port}", "demo_app:application"],
                       "count": 2, "base_port": %2, "cwd": "%3", "health": {"type": "http", "path": "/healthz"},
                       "stop_grace_ms": 3000}]
        })").arg(listen).arg(base).arg(QStringLiteral(FULCRUM_SOURCE_DEMO_DIR)).toUtf8();
        const nlohmann::json config = app::toNlohmann(QJsonDocument::fromJson(text).object());
        const auto apply = [watcher](const nlohmann::json& document) {
            protocol::ConfigApplyParams params;
            params.config.document = document;
            params.comment = "status gui test";
            auto applied = callSync<protocol::method::ConfigApply>(watcher->rpc(), params);
            QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
        };
        apply(config);
        if (QTest::currentTestFailed()) return;
        // Until both servers are healthy in the watching panel's eyes.
        auto* healthy = m_window->hostPage(QStringLiteral("watcher"))->overview()->findChild<QLabel*>(QStringLiteral("healthServersLabel"));
        QVERIFY(healthy);
        QTRY_COMPARE_WITH_TIMEOUT(healthy->text(), QStringLiteral("2 of 2"), 20000);
        QTest::qWait(1500);  // and a sample or so more
        const QStringList started = eventTexts(watching->events());
        QVERIFY2(started.contains(QStringLiteral("The proxy started")), qPrintable(started.join(QLatin1Char('\n'))));
        QVERIFY2(started.filter(QStringLiteral("again")).isEmpty(), qPrintable(started.join(QLatin1Char('\n'))));

        // A fresh panel on the running proxy: nothing about it is news.
        auto* fresh = new app::HostSession(app::HostEndpoint::thisComputer());
        HostController* freshly = addHost(QStringLiteral("fresh"), QStringLiteral("Fresh"), fresh);
        const QSet<qint64> bridgesBefore = rpcBridges();
        QSignalSpy freshLoaded(freshly, &HostController::loaded);
        fresh->open();
        QVERIFY2(freshLoaded.wait(30000), qPrintable(fresh->statusText()));
        const QSet<qint64> freshBridge = rpcBridges() - bridgesBefore;
        QTRY_VERIFY_WITH_TIMEOUT(freshly->traffic()->model()->sampleCount() > 0, 10000);
        QTest::qWait(2500);  // a few live samples
        QVERIFY2(eventTexts(freshly->events()).isEmpty(), qPrintable(eventTexts(freshly->events()).join(QLatin1Char('\n'))));

        // A stop it saw, then the proxy back: now "again".
        nlohmann::json none = config;
        none["listeners"] = nlohmann::json::array();
        apply(none);
        if (QTest::currentTestFailed()) return;
        QTRY_VERIFY2_WITH_TIMEOUT(eventTexts(freshly->events()).contains(QStringLiteral("The proxy stopped")),
                                  qPrintable(eventTexts(freshly->events()).join(QLatin1Char('\n'))), 15000);
        apply(config);
        if (QTest::currentTestFailed()) return;
        QTRY_VERIFY2_WITH_TIMEOUT(eventTexts(freshly->events()).contains(QStringLiteral("The proxy is running again")),
                                  qPrintable(eventTexts(freshly->events()).join(QLatin1Char('\n'))), 15000);

        // Disconnect and Connect are the person's own: no loss, nothing "again".
        fresh->close();
        QCOMPARE(freshly->events()->eventAt(0).text, QStringLiteral("Disconnected"));
        fresh->open();
        QTRY_VERIFY_WITH_TIMEOUT(fresh->state() == State::Connected, 30000);
        QCOMPARE(freshly->events()->eventAt(0).text, QStringLiteral("Connected"));
        // A connection really lost (its bridge killed) and regained is.
        QCOMPARE(freshBridge.size(), 1);
        const QSet<qint64> bridgeNow = rpcBridges() - bridgesBefore - freshBridge;
        QCOMPARE(bridgeNow.size(), 1);  // the reconnection's own bridge
        QCOMPARE(::kill(pid_t(*bridgeNow.begin()), SIGKILL), 0);
        QTRY_VERIFY2_WITH_TIMEOUT(eventTexts(freshly->events()).contains(QStringLiteral("Lost the connection to the agent")),
                                  qPrintable(eventTexts(freshly->events()).join(QLatin1Char('\n'))), 15000);
        QTRY_VERIFY2_WITH_TIMEOUT(freshly->events()->eventAt(0).text == QStringLiteral("Connected again"),
                                  qPrintable(eventTexts(freshly->events()).join(QLatin1Char('\n'))), 15000);
        m_window->selectHost(QStringLiteral("fresh"));
        screenshot(QStringLiteral("events-again"));

        // The panel that watched from the start never said "again" either: it saw no stop
        // until the one above.
        const QStringList watched = eventTexts(watching->events());
        const int stopped = int(watched.indexOf(QStringLiteral("The proxy stopped")));
        QVERIFY(stopped > 0);
        for (int row = stopped + 1; row < watched.size(); ++row)
            QVERIFY2(!watched[row].contains(QStringLiteral("again")), qPrintable(watched.join(QLatin1Char('\n'))));

        // The workers outlive their agent by design: stop them before the daemon goes.
        protocol::WorkersTarget web;
        web.group = "web";
        QVERIFY(callSync<protocol::method::WorkersStop>(watcher->rpc(), web).ok());
    }
};

QTEST_MAIN(TestHostStatusGui)
#include "test_host_status_gui.moc"
