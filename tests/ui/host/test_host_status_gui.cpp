// What the panel says about a host's connection, through real sessions: a REAL local agent
// (fulcrum-agent rpc, as for "This computer", with its own state directory), an SSH host on a
// loopback port nothing listens on, and an agent binary that does not exist. Every state the
// sidebar shows reads as one phrase — never the same thing twice ("Not connected ·
// Disconnected." was) — and the recent events of a fresh connection say nothing "again".
#include "app/models/host_events.h"
#include "app/rpc/host_session.h"
#include "tests/ui/gui_test_support.h"
#include "ui/HostPage.h"
#include "ui/HostStatus.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/host/HostController.h"

#include <QApplication>
#include <QLabel>
#include <QListView>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace fulcrum;
using namespace fulcrum::ui;
using State = app::HostSession::State;

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

        // An error with its reason, said once.
        app::LocalAgentOptions missing;
        missing.agentPath = QStringLiteral("/nonexistent/fulcrum-agent");
        auto* broken = new app::HostSession(app::HostEndpoint::thisComputer(missing));
        addHost(QStringLiteral("broken"), QStringLiteral("Broken"), broken);
        broken->open();
        QTRY_COMPARE_WITH_TIMEOUT(broken->state(), State::Error, 10000);
        QCOMPARE(line(QStringLiteral("broken")), QStringLiteral("Error · ") + broken->statusText());
        QVERIFY(line(QStringLiteral("broken")).contains(QStringLiteral("/nonexistent/fulcrum-agent")));

        screenshot(QStringLiteral("sidebar-states"));
        verifyEachLineSaysItOnce();
        QVERIFY2(m_seen.value(QStringLiteral("local")).contains(QStringLiteral("Connecting…")),
                 qPrintable(m_seen.value(QStringLiteral("local")).join(QLatin1Char('\n'))));
    }
};

QTEST_MAIN(TestHostStatusGui)
#include "test_host_status_gui.moc"
