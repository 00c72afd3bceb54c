// The panel against a REAL local agent (fulcrum-agent rpc, started by the session as for
// "This computer"), driving the real widgets by objectName: the overview shows the real host,
// a pool edit is staged, applied and read back from the host, a server added in the table is
// live after apply, history rolls back, and features the agent does not have yet say so.
// The agent gets its own state directory and a config on free loopback ports; its daemon is
// stopped at the end.
#include "app/models/config_history_model.h"
#include "app/models/host_events.h"
#include "app/models/metric_series_model.h"
#include "app/models/json_bridge.h"
#include "app/models/pool_server_model.h"
#include "app/models/staged_config.h"
#include "app/models/worker_model.h"
#include "app/rpc/host_session.h"
#include "tests/support/process_sweep.h"
#include "tests/ui/gui_test_support.h"
#include "tests/ui/tls_test_support.h"
#include "ui/HostPage.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/host/HostController.h"
#include "ui/host/PoolsController.h"
#include "ui/host/TrafficController.h"
#include "ui/host/WorkersController.h"
#include "ui/pages/OverviewPage.h"
#include "ui/pages/PoolsPage.h"
#include "ui/pages/RebootPage.h"
#include "ui/pages/SectionPage.h"
#include "ui/pages/StaticHttpsPage.h"
#include "ui/pages/TrafficPage.h"
#include "ui/pages/WorkersPage.h"
#include "ui/widgets/Card.h"
#include "ui/widgets/ChartCard.h"
#include "ui/widgets/LogView.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/StagedChangesBar.h"
#include "ui/widgets/StatusPill.h"

#include <QApplication>
#include <QChartView>
#include <QLineSeries>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QScopeGuard>
#include <QSslCertificate>
#include <QStyleOptionTab>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSysInfo>
#include <QTabBar>
#include <QTableView>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>

#include <csignal>

using namespace fulcrum;
using namespace fulcrum::ui;
using fulcrum::ui::test::callSync;
using fulcrum::ui::test::freePort;
using fulcrum::ui::test::freePortRange;

// QTabBar's own label options (the text as it would be drawn, elided or not) are protected.
struct TabBarOptions : QTabBar {
    void optionFor(QStyleOptionTab* option, int index) const { initStyleOption(option, index); }
};

class TestHostGui : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_state{QStringLiteral("/tmp/fulcrum-gui-XXXXXX")};
    QTemporaryDir m_settings;
    MainWindow* m_window = nullptr;
    HostPage* m_page = nullptr;
    app::HostSession* m_session = nullptr;
    HostController* m_controller = nullptr;
    qint64 m_daemonPid = 0;
    QString m_extraServer;
    quint16 m_workerBase = 0;
    quint16 m_listen = 0;  // the proxy's listener of the config initTestCase applies

    // Searched within the Pools page first: other pages have widgets of the same name (both
    // config pages have a staged-changes bar with Apply).
    template <class T>
    T* find(const char* name) {
        T* w = m_page->pools()->findChild<T*>(QString::fromLatin1(name));
        if (!w) w = m_window->findChild<T*>(QString::fromLatin1(name));
        if (!w) qWarning("no widget named %s", name);
        return w;
    }

    void screenshot(const QString& name) { fulcrum::ui::test::screenshot(m_window, name); }

    // When a modal dialog opens, `fill` runs on it (QDialog::exec blocks the test's stack).
    void onNextDialog(std::function<void(QDialog*)> fill) {
        QTimer::singleShot(50, this, [this, fill] {
            auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
            if (!dialog) return onNextDialog(fill);
            fill(dialog);
        });
    }

private slots:
    void initTestCase() {
        QVERIFY(m_state.isValid());
        Settings::useFile(m_settings.filePath(QStringLiteral("settings.ini")));
        Theme::instance()->install(*qApp);
        // The agent reads its state directory from the environment the session passes on.
        qputenv("XDG_STATE_HOME", m_state.path().toUtf8());

        m_window = new MainWindow;
        m_page = m_window->addHost(QStringLiteral("local"), QStringLiteral("This computer"), QString(), true);
        m_window->resize(1280, 820);
        m_window->show();
        m_session = new app::HostSession(app::HostEndpoint::thisComputer());
        m_controller = new HostController(m_session, m_page, m_window);
        QSignalSpy loaded(m_controller, &HostController::loaded);
        m_session->open();
        QVERIFY2(loaded.wait(30000), qPrintable(m_session->statusText()));
        QVERIFY(m_session->agent());
        m_daemonPid = m_session->agent()->daemon_pid;

        // A config on free ports, applied the way any panel or fulcrum-ctl would.
        const quint16 a = freePort(), b = freePort(), listen = freePort();
        m_listen = listen;
        m_workerBase = freePortRange(4);
        QVERIFY(m_workerBase != 0);
        m_extraServer = QStringLiteral("127.0.0.1:%1").arg(freePort());
        const QByteArray text = QStringLiteral(R"({
          "listeners": [{"name": "http", "address": "127.0.0.1:%1"}],
          "routes": [{"path_prefix": "/", "pool": "app"}],
          "pools": [{"name": "app", "balance": "round_robin",
                     "servers": [{"address": "127.0.0.1:%2", "weight": 1, "state": "active", "backup": false},
                                 {"address": "127.0.0.1:%3", "weight": 1, "state": "active", "backup": false}]}],
          "workers": [{"name": "web", "command": ["/usr/bin/waitress-serve", "--listen=127.0.0.1:{port}", "demo_app:application"],
                       "count": 2, "base_port": %4, "cwd": "%5", "health": {"type": "http", "path": "/healthz"},
                       "stop_grace_ms": 3000}]
        })").arg(listen).arg(a).arg(b).arg(m_workerBase).arg(QStringLiteral(FULCRUM_SOURCE_DEMO_DIR)).toUtf8();
        protocol::ConfigApplyParams params;
        params.config.document = app::toNlohmann(QJsonDocument::fromJson(text).object());
        params.comment = "gui test setup";
        auto applied = callSync<protocol::method::ConfigApply>(m_session->rpc(), params);
        QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
        // config.changed makes the Pools section reload by itself.
        QTRY_COMPARE_WITH_TIMEOUT(m_controller->config()->appliedVersion(), qint64(applied.value().version), 10000);
    }

    void cleanupTestCase() {
        // Workers outlive their agent by design (an agent upgrade must not stop them): stop
        // the test's group first, then the daemon.
        if (m_session && m_session->state() == app::HostSession::State::Connected) {
            protocol::WorkersTarget web;
            web.group = "web";
            callSync<protocol::method::WorkersStop>(m_session->rpc(), web);
        }
        delete m_controller;
        delete m_session;
        delete m_window;
        // The rpc bridge started a detached daemon; it must not outlive the test.
        fulcrum::ui::test::stopDaemon(m_daemonPid);
    }

    void overviewShowsTheRealHost() {
        m_window->selectHost(QStringLiteral("local"));
        m_page->setSection(HostPage::Overview);
        QTRY_COMPARE(find<QLabel>("hostnameLabel")->text(), QSysInfo::machineHostName());
        QCOMPARE(find<QLabel>("agentVersionLabel")->text(), QStringLiteral(FULCRUM_VERSION));
        QVERIFY(!find<QLabel>("bootPersistenceLabel")->text().isEmpty());
        QVERIFY(find<QLabel>("bootPersistenceLabel")->text() != QStringLiteral("Checking…"));
    }

    // A page that needs more room than the window scrolls; it once grew the window instead,
    // past the bottom of a 768-px laptop screen. The Traffic page with a banner open and its
    // six charts is the tallest page; in a 1000×600 window the window keeps its size.
    void smallWindowScrollsTheTrafficPageInsteadOfGrowing() {
        const QSize before = m_window->size();
        const auto restore = qScopeGuard([this, before] { m_window->resize(before); });
        m_window->selectHost(QStringLiteral("local"));
        m_page->setSection(HostPage::Traffic);
        auto* traffic = m_page->traffic();
        traffic->showError(QStringLiteral("Could not send test traffic"),
                           QStringLiteral("The proxy did not answer on 127.0.0.1:8080. Check that it runs (Overview), "
                                          "then try again."));
        m_window->resize(1000, 600);
        QTest::qWait(300);  // layouts settle over a few event-loop passes
        QCOMPARE(m_window->size(), QSize(1000, 600));
        auto* area = traffic->findChild<QScrollArea*>(QStringLiteral("trafficPageScrollArea"));
        QVERIFY(area);
        QVERIFY(traffic->banner()->isVisible());
        QVERIFY2(area->verticalScrollBar()->maximum() > 0, "the six charts fit 600 px: nothing to scroll");
        // The lowest chart starts below the visible part and scrolls into view.
        auto* bytes = traffic->findChild<QWidget*>(QStringLiteral("bytesChart"));
        const auto bytesTop = [area, bytes] { return bytes->mapTo(area->viewport(), QPoint(0, 0)).y(); };
        QVERIFY(bytesTop() >= area->viewport()->height());
        area->verticalScrollBar()->setValue(area->verticalScrollBar()->maximum());
        QVERIFY(bytesTop() < area->viewport()->height());
        QVERIFY(bytesTop() + bytes->height() <= area->viewport()->height());
        // Its scroll bar's handle is easy to find on the page, in either palette.
        for (const auto appearance : {Appearance::Light, Appearance::Dark}) {
            Theme::instance()->setAppearance(appearance);
            QTest::qWait(100);
            QString colours;
            const double contrast = fulcrum::ui::test::handleContrast(area->verticalScrollBar(), &colours);
            QVERIFY2(contrast >= 3.0, qPrintable(QStringLiteral("%1: %2:1").arg(colours).arg(contrast, 0, 'f', 2)));
            screenshot(QStringLiteral("scrolled-") + Theme::name(appearance));
        }
        Theme::instance()->setAppearance(Appearance::Light);
        // Wide enough for the two chart columns: no horizontal bar at 1000 px, whatever the
        // page says about the feed (the longest: why the proxy is failing).
        QVERIFY(!area->horizontalScrollBar()->isVisible());
        traffic->setFeedProblem(QStringLiteral("The proxy is failing: there is no traffic to count. See Overview for what it "
                                               "said and what to do."));
        QTest::qWait(100);
        QVERIFY(!area->horizontalScrollBar()->isVisible());
        QCOMPARE(m_window->size(), QSize(1000, 600));
        traffic->setFeedProblem(QString());
        screenshot(QStringLiteral("traffic-small-window"));
        traffic->banner()->hide();
    }

    // Every section tab reads whole at the narrowest the window can be, connected and with
    // this host's pages full: at 1000 px "Reboot & verify" was cut to "Reboot" behind the tab
    // bar's scroll arrows.
    void everySectionTabIsReadableAtTheMinimumWidth() {
        const QSize before = m_window->size();
        const auto restore = qScopeGuard([this, before] { m_window->resize(before); });
        m_window->selectHost(QStringLiteral("local"));
        auto* tabs = m_page->findChild<QTabBar*>(QStringLiteral("sectionTabs"));
        QVERIFY(tabs);
        m_window->resize(0, 600);  // the window keeps its minimum
        QTest::qWait(300);
        const int minimum = m_window->width();
        QVERIFY2(minimum <= 1000, qPrintable(QStringLiteral("the window cannot be narrower than %1 px").arg(minimum)));
        for (const int width : {minimum, 1000}) {
            m_window->resize(width, 600);
            for (int section = 0; section < HostPage::SectionCount; ++section) {
                m_page->setSection(section);
                QTest::qWait(100);  // layouts settle over a few event-loop passes
                QCOMPARE(m_window->width(), width);
                for (QToolButton* arrow : tabs->findChildren<QToolButton*>())
                    QVERIFY2(!arrow->isVisible(), "the tab bar scrolls: some tabs are hidden behind its arrows");
                for (int i = 0; i < tabs->count(); ++i) {
                    const QString text = tabs->tabText(i).replace(QStringLiteral("&&"), QStringLiteral("&"));
                    const QString where = QStringLiteral("\"%1\" at %2 px").arg(text).arg(width);
                    const QRect tab = tabs->tabRect(i);
                    QVERIFY2(tab.left() >= 0 && tab.right() < tabs->width(), qPrintable(where + QStringLiteral(": outside the bar")));
                    // What the style draws the label in, with the label's own font.
                    QStyleOptionTab option;
                    static_cast<TabBarOptions*>(tabs)->optionFor(&option, i);
                    QCOMPARE(option.text, tabs->tabText(i));
                    const QRect textRect = tabs->style()->subElementRect(QStyle::SE_TabBarTabText, &option, tabs);
                    QVERIFY2(textRect.width() >= option.fontMetrics.horizontalAdvance(text),
                             qPrintable(where + QStringLiteral(": %1 px for %2 px of text")
                                                    .arg(textRect.width())
                                                    .arg(option.fontMetrics.horizontalAdvance(text))));
                }
            }
            screenshot(QStringLiteral("tabs-%1px").arg(width));
        }
        m_page->setSection(HostPage::Overview);
    }

    // The reboot timeline's steps are never cut at the right edge: at 1000 px its heading
    // ("What is checked  for each host, in this order") made the steps wider than the card
    // and every line ended mid-word; at the window's minimum the card was 124 px wide.
    void rebootTimelineIsNeverClippedAtTheMinimumWidth() {
        const QSize before = m_window->size();
        const auto restore = qScopeGuard([this, before] { m_window->resize(before); });
        m_window->selectHost(QStringLiteral("local"));
        m_page->setSection(HostPage::Reboot);
        auto* scroll = m_page->page(HostPage::Reboot)->findChild<QScrollArea*>(QStringLiteral("rebootTimelineScroll"));
        QVERIFY(scroll);
        m_window->resize(0, 600);
        QTest::qWait(300);
        const int minimum = m_window->width();
        for (const int width : {minimum, 1000, 1280}) {
            m_window->resize(width, 700);
            QTest::qWait(300);  // layouts settle over a few event-loop passes
            QCOMPARE(m_window->width(), width);
            QWidget* steps = scroll->widget();
            QVERIFY(steps->findChildren<QLabel*>().size() > 10);  // the plan's steps are there
            QVERIFY2(steps->width() <= scroll->viewport()->width(),
                     qPrintable(QStringLiteral("at %1 px the steps are %2 px wide in %3 px")
                                    .arg(width)
                                    .arg(steps->width())
                                    .arg(scroll->viewport()->width())));
            // Every line of every step inside what shows.
            for (QLabel* label : steps->findChildren<QLabel*>()) {
                if (!label->isVisible() || label->text().isEmpty()) continue;
                const int right = label->mapTo(scroll->viewport(), QPoint(label->width(), 0)).x();
                QVERIFY2(right <= scroll->viewport()->width(), qPrintable(label->text()));
                if (!label->wordWrap())
                    QVERIFY2(label->fontMetrics().horizontalAdvance(label->text()) <= label->width(), qPrintable(label->text()));
            }
            // The page fits the window, at its very minimum too (it scrolled sideways by 32 px there).
            QVERIFY2(!m_page->page(HostPage::Reboot)->scrollArea()->horizontalScrollBar()->isVisible(),
                     qPrintable(QStringLiteral("at %1 px the Reboot & verify page scrolls sideways").arg(width)));
            // The plan's buttons are whole.
            for (const char* name : {"startRebootButton", "cancelRebootButton"}) {
                auto* button = m_page->page(HostPage::Reboot)->findChild<QPushButton*>(QString::fromLatin1(name));
                QVERIFY(button);
                QVERIFY2(button->width() >= button->sizeHint().width(), name);
            }
            screenshot(QStringLiteral("reboot-%1px").arg(width));
        }
        // While a run shows its progress too: the bar was 180 px fixed and the line beside it
        // did not wrap, so a running page needed far more room than the narrowest window has.
        RebootPage* reboot = m_page->reboot();
        m_window->resize(minimum, 700);
        reboot->setRunning(true);
        const auto stop = qScopeGuard([reboot] { reboot->setRunning(false); });
        reboot->setProgress(QStringLiteral("Host 1 of 2 · This computer — step 8 of 11: Every worker group that ran "
                                           "before runs again and passes its health check"),
                            7, 22);
        QTest::qWait(300);
        QCOMPARE(m_window->width(), minimum);
        QVERIFY(reboot->findChild<QProgressBar*>(QStringLiteral("rebootProgressBar"))->isVisible());
        QVERIFY2(!reboot->scrollArea()->horizontalScrollBar()->isVisible(), "a running Reboot & verify page scrolls sideways");
        screenshot(QStringLiteral("reboot-running-%1px").arg(minimum));
        m_page->setSection(HostPage::Overview);
    }

    // No section needs a sideways scroll bar at 1280×800, nor at the window's minimum width, in
    // either palette: Reboot & verify scrolled by 32 px there (the evidence toggles kept room
    // in the plan, which has no evidence), the Overview by 36 px (card titles did not wrap),
    // Workers with its group's log followed (the log's title beside a 260-px search field).
    // Not yet Pools (its settings grid and tool bar need 915 px) nor a config page with staged
    // changes (the staged-changes bar needs 805): they still scroll at the minimum.
    void noSectionScrollsSidewaysAtTheMinimumWidth() {
        const QSize before = m_window->size();
        const auto restore = qScopeGuard([this, before] {
            m_window->resize(before);
            Theme::instance()->setAppearance(Appearance::Light);
        });
        m_window->selectHost(QStringLiteral("local"));
        // The Workers page as the demo shows it: the group selected, its log followed under
        // "Log of all web workers" (which once made the page scroll sideways at the minimum).
        m_page->setSection(HostPage::Workers);
        auto* tree = m_page->workers()->findChild<QTreeView*>(QStringLiteral("workersTree"));
        QVERIFY(tree);
        QTRY_VERIFY(tree->model()->rowCount() > 0);
        tree->setCurrentIndex(tree->model()->index(0, 0));
        QTRY_COMPARE(m_page->workers()->findChild<QLabel*>(QStringLiteral("logTitle"))->text(),
                     QStringLiteral("Log of all web workers"));
        m_window->resize(0, 600);
        QTest::qWait(300);
        const int minimum = m_window->width();
        for (const auto appearance : {Appearance::Light, Appearance::Dark}) {
            Theme::instance()->setAppearance(appearance);
            for (const QSize size : {QSize(minimum, 800), QSize(1280, 800)}) {
                m_window->resize(size);
                for (int section = 0; section < HostPage::SectionCount; ++section) {
                    m_page->setSection(section);
                    QTest::qWait(150);  // layouts settle over a few event-loop passes
                    QCOMPARE(m_window->size(), size);
                    SectionPage* page = m_page->page(section);
                    QVERIFY2(page->isConnected(), qPrintable(page->objectName()));  // its real content, not "Not connected"
                    if (size.width() == minimum && (section == HostPage::Pools || section == HostPage::StaticHttps)) continue;
                    QVERIFY2(!page->scrollArea()->horizontalScrollBar()->isVisible(),
                             qPrintable(QStringLiteral("%1 scrolls sideways at %2 px (%3)")
                                            .arg(page->objectName())
                                            .arg(size.width())
                                            .arg(Theme::name(appearance))));
                    // Titles wrap only where there is no room: at 1280 px every one is one line.
                    if (size.width() == 1280) {
                        for (const CardTitle* title : page->findChildren<CardTitle*>()) {
                            if (!title->isVisible()) continue;
                            QVERIFY2(title->height() < 2 * title->fontMetrics().lineSpacing(), qPrintable(title->text()));
                        }
                    }
                    screenshot(QStringLiteral("%1-%2-%3px").arg(Theme::name(appearance), page->objectName()).arg(size.width()));
                }
            }
        }
        m_page->setSection(HostPage::Overview);
    }

    // The live Bytes chart's axis in the unit of its headline (it once read 50000 under "4.2 KiB/s").
    void trafficBytesAxisCarriesTheHeadlinesUnit() {
        m_page->setSection(HostPage::Traffic);
        auto* traffic = m_page->traffic();
        QTRY_VERIFY_WITH_TIMEOUT(traffic->sampleCount() > 0, 10000);
        auto* bytes = traffic->findChild<ChartCard*>(QStringLiteral("bytesChart"));
        QVERIFY(bytes);
        const QString unit = bytes->headline().section(QLatin1Char(' '), 1);
        QVERIFY2(unit.endsWith(QStringLiteral("B/s")), qPrintable(bytes->headline()));
        QTRY_COMPARE(bytes->axisLabels().size(), 3);
        for (const QString& label : bytes->axisLabels()) {
            QVERIFY2(label.endsWith(QLatin1Char(' ') + unit), qPrintable(label + QStringLiteral(" / ") + bytes->headline()));
        }
    }

    // Error responses are drawn in the error colour: the 5xx line of the Traffic page's errors
    // chart and of the Overview's requests chart were the palette's green, which reads "fine".
    // Real 502s here: the pool's two servers are ports nothing listens on.
    void errorResponsesAreDrawnInTheErrorColour() {
        m_page->setSection(HostPage::Traffic);
        for (int i = 0; i < 10; ++i) {
            QTcpSocket client;
            client.connectToHost(QStringLiteral("127.0.0.1"), m_listen);
            QVERIFY(client.waitForConnected(5000));
            client.write("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
            QVERIFY(client.waitForReadyRead(5000));
            QVERIFY2(client.readAll().startsWith("HTTP/1.1 5"), "the proxy did not answer with an error");
        }
        auto* errors = m_page->traffic()->findChild<ChartCard*>(QStringLiteral("errorsChart"));
        auto* overview = m_page->overview()->findChild<ChartCard*>(QStringLiteral("overviewRequestsChart"));
        QVERIFY(errors && overview);
        const auto sawErrors = [](const ChartCard* chart) {
            for (const QPointF& p : chart->points(1)) {
                if (p.y() > 0) return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(sawErrors(errors) && sawErrors(overview), 10000);
        for (const auto appearance : {Appearance::Light, Appearance::Dark}) {
            Theme::instance()->setAppearance(appearance);
            // The line as QtCharts draws it, and its legend entry.
            for (ChartCard* chart : {errors, overview}) {
                auto* line = qobject_cast<QLineSeries*>(chart->findChild<QChartView*>()->chart()->series().at(1));
                QVERIFY(line);
                QCOMPARE(line->name(), QStringLiteral("5xx"));
                QCOMPARE(line->pen().color(), Semantic::error());
                QVERIFY(chart->findChild<QLabel*>(QStringLiteral("chartLegend"))->text().contains(Semantic::error().name()));
            }
            auto* line4xx = qobject_cast<QLineSeries*>(errors->findChild<QChartView*>()->chart()->series().at(0));
            QCOMPARE(line4xx->pen().color(), Semantic::warning());
            screenshot(QStringLiteral("errors-") + Theme::name(appearance));
        }
        Theme::instance()->setAppearance(Appearance::Light);
    }

    void poolsShowTheHostsConfig() {
        m_page->setSection(HostPage::Pools);
        auto* pools = find<QListView>("poolList");
        QTRY_COMPARE(pools->model()->rowCount(), 1);
        QCOMPARE(pools->model()->index(0, 0).data().toString(), QStringLiteral("app"));
        QVERIFY(pools->visualRect(pools->model()->index(0, 0)).height() > 0);
        auto* table = find<QTableView>("serversTable");
        QTRY_COMPARE(table->model()->rowCount(), 2);
        QCOMPARE(find<QLabel>("poolTitle")->text(), QStringLiteral("app"));
        QVERIFY(!find<StagedChangesBar>("stagedChangesBar")->isVisible());
    }

    // A pool that follows a worker group gets its servers from the group's workers: started,
    // stopped or scaled, they join or leave the pool. The page said so only in tooltips; one
    // line above the servers says it now, for such a pool only.
    void poolFollowingWorkersSaysSoAboveItsServers() {
        m_page->setSection(HostPage::Pools);
        auto* config = m_controller->config();
        QVERIFY(!config->hasChanges());
        const auto restore = qScopeGuard([config] { config->discard(); });
        auto* note = find<QLabel>("poolFollowsWorkersNote");
        QVERIFY(note);
        QTRY_COMPARE(find<QLabel>("poolTitle")->text(), QStringLiteral("app"));
        QVERIFY(!note->isVisible());  // "app" lists its own servers
        QJsonObject document = config->staged();
        QJsonArray pools = document.value(QStringLiteral("pools")).toArray();
        QJsonObject app = pools.at(0).toObject();
        app.insert(QStringLiteral("follow_workers"), QStringLiteral("web"));
        pools.replace(0, app);
        document.insert(QStringLiteral("pools"), pools);
        config->setStaged(document);
        QTRY_VERIFY(note->isVisible());
        QVERIFY2(note->text().contains(QStringLiteral("“web”")), qPrintable(note->text()));
        // Where the servers are edited: between the servers' tools and their table.
        auto* table = find<QTableView>("serversTable");
        const auto top = [this](QWidget* w) { return w->mapTo(m_window, QPoint(0, 0)).y(); };
        QVERIFY(top(find<QToolButton>("addServerButton")) < top(note));
        QVERIFY(top(note) < top(table));
        // One short line at 1280 px, not a paragraph.
        QCOMPARE(m_window->width(), 1280);
        QVERIFY2(note->fontMetrics().horizontalAdvance(note->text()) <= note->width(),
                 qPrintable(QStringLiteral("%1 px of text in %2 px").arg(note->fontMetrics().horizontalAdvance(note->text())).arg(note->width())));
        screenshot(QStringLiteral("pool-follows-workers"));
        config->discard();
        QTRY_VERIFY(!note->isVisible());
    }

    void editThePoolApplyAndReadItBackFromTheHost() {
        m_page->setSection(HostPage::Pools);
        auto* config = m_controller->config();
        const qint64 before = config->appliedVersion();
        auto* combo = find<QComboBox>("balanceAlgorithmCombo");
        combo->setCurrentIndex(combo->findData(QStringLiteral("least_conn")));
        QCOMPARE(config->changeCount(), 1);
        auto* bar = find<StagedChangesBar>("stagedChangesBar");
        QTRY_VERIFY(bar->isVisible());
        QVERIFY(find<QLabel>("stagedChangesLabel")->text().contains(QStringLiteral("1")));

        // Diff lists the change in words.
        QTest::mouseClick(find<QPushButton>("diffButton"), Qt::LeftButton);
        auto* diff = m_controller->pools()->diffDialog();
        QVERIFY(diff && diff->isVisible());
        QVERIFY(diff->findChild<QLabel*>(QStringLiteral("diffIntro"))->text().contains(QStringLiteral("apply")));
        diff->reject();

        QTest::mouseClick(find<QPushButton>("validateButton"), Qt::LeftButton);
        auto* banner = find<MessageBanner>("poolsPageBanner");
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible() && banner->text().contains(QStringLiteral("accepts")), 10000);

        QTest::mouseClick(find<QPushButton>("applyButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(config->appliedVersion() > before, 10000);
        QVERIFY(!config->hasChanges());
        QVERIFY(banner->text().contains(QStringLiteral("Applied")));
        QTRY_VERIFY(!bar->isVisible());

        // What the host stores now, asked independently of the page.
        auto stored = callSync<protocol::method::ConfigGet>(m_session->rpc(), {});
        QVERIFY(stored.ok());
        QCOMPARE(QString::fromStdString(stored.value().document["pools"][0]["balance"].get<std::string>()),
                 QStringLiteral("least_conn"));
    }

    void addAServerInTheTableAndApply() {
        m_page->setSection(HostPage::Pools);
        auto* table = find<QTableView>("serversTable");
        onNextDialog([this](QDialog* dialog) {
            QCOMPARE(dialog->objectName(), QStringLiteral("addServerDialog"));
            dialog->findChild<QLineEdit*>(QStringLiteral("serverAddressEdit"))->setText(m_extraServer);
            dialog->findChild<QSpinBox*>(QStringLiteral("serverWeightSpin"))->setValue(3);
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        QTest::mouseClick(find<QToolButton>("addServerButton"), Qt::LeftButton);
        QTRY_COMPARE(table->model()->rowCount(), 3);
        const int row = 2;
        QCOMPARE(table->model()->index(row, 0).data().toString(), m_extraServer);
        QCOMPARE(table->model()->index(row, 0).data(app::PoolServerModel::StagedRole).toString(), QStringLiteral("added"));
        QCOMPARE(table->model()->index(row, app::PoolServerModel::WeightColumn).data().toInt(), 3);

        QTest::mouseClick(find<QPushButton>("applyButton"), Qt::LeftButton);
        // Applied and shown as live (no longer staged) within a second of the host's answer.
        QTRY_COMPARE_WITH_TIMEOUT(table->model()->index(row, 0).data(app::PoolServerModel::StagedRole).toString(),
                                  QString(), 10000);
        auto stored = callSync<protocol::method::ConfigGet>(m_session->rpc(), {});
        QVERIFY(stored.ok());
        QCOMPARE(stored.value().document["pools"][0]["servers"].size(), std::size_t(3));
    }

    void weightEditedInPlaceAndDrainStaged() {
        auto* table = find<QTableView>("serversTable");
        auto* config = m_controller->config();
        const QModelIndex weight = table->model()->index(0, app::PoolServerModel::WeightColumn);
        QVERIFY(table->model()->flags(weight) & Qt::ItemIsEditable);
        table->setCurrentIndex(weight);
        table->edit(weight);
        auto* editor = table->findChild<QSpinBox*>(QStringLiteral("weightEditor"));
        QVERIFY(editor);
        editor->setValue(7);
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_COMPARE(table->model()->index(0, app::PoolServerModel::WeightColumn).data().toInt(), 7);
        table->selectRow(1);
        QTest::mouseClick(find<QToolButton>("drainServerButton"), Qt::LeftButton);
        QCOMPARE(table->model()->index(1, 0).data(app::PoolServerModel::StateRole).toString(), QStringLiteral("draining"));
        QCOMPARE(config->changeCount(), 2);
        QTest::mouseClick(find<QPushButton>("discardButton"), Qt::LeftButton);
        QCOMPARE(config->changeCount(), 0);
        QCOMPARE(table->model()->index(0, app::PoolServerModel::WeightColumn).data().toInt(), 1);
    }

    void historyRollsBack() {
        auto* config = m_controller->config();
        const qint64 before = config->appliedVersion();
        QTest::mouseClick(find<QToolButton>("historyButton"), Qt::LeftButton);
        auto* dialog = m_controller->pools()->historyDialog();
        QVERIFY(dialog && dialog->isVisible());
        auto* table = dialog->findChild<QTableView*>(QStringLiteral("historyTable"));
        QTRY_VERIFY_WITH_TIMEOUT(table->model()->rowCount() >= 3, 10000);
        // Newest first: row 2 is the setup config (round robin, two servers).
        QVERIFY(table->model()->index(0, 0).data(app::ConfigHistoryModel::CurrentRole).toBool());
        table->selectRow(2);
        auto* rollback = dialog->findChild<QPushButton*>(QStringLiteral("rollbackButton"));
        QVERIFY(rollback->isEnabled());
        rollback->click();
        QTRY_VERIFY_WITH_TIMEOUT(config->appliedVersion() > before, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(find<QTableView>("serversTable")->model()->rowCount(), 2, 10000);
        QTRY_COMPARE(find<QComboBox>("balanceAlgorithmCombo")->currentData().toString(), QStringLiteral("round_robin"));
        dialog->reject();
    }

    void workersScaleAndShowTheirLog() {
        m_page->setSection(HostPage::Workers);
        auto* tree = find<QTreeView>("workersTree");
        auto* model = m_controller->workers()->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->groupIndex(QStringLiteral("web")).isValid(), 10000);
        const QModelIndex web = model->groupIndex(QStringLiteral("web"));
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(web), 2, 10000);
        const auto allRunning = [model, web](int n) {
            if (model->rowCount(web) != n) return false;
            for (int i = 0; i < n; ++i) {
                if (model->index(i, 0, web).data(app::WorkerModel::StateRole).toString() != QLatin1String("running"))
                    return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(allRunning(2), 20000);

        tree->setCurrentIndex(web);
        auto* spin = find<QSpinBox>("scaleSpin");
        QTRY_COMPARE(spin->value(), 2);
        spin->setValue(3);
        QTest::mouseClick(find<QToolButton>("scaleWorkersButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(allRunning(3), 20000);
        QCOMPARE(model->index(2, 0, web).data(app::WorkerModel::PortRole).toInt(), m_workerBase + 2);
        // The scale is a config change: the host's config follows, and so does the panel's copy.
        QTRY_COMPARE_WITH_TIMEOUT(
            m_controller->config()->applied()["workers"].toArray()[0].toObject()["count"].toInt(), 3, 10000);

        // The log of one instance streams into the log view.
        tree->setCurrentIndex(model->index(0, 0, web));
        auto* title = find<QLabel>("logTitle");
        QTRY_VERIFY(title->text().contains(QStringLiteral("#0")));
        auto* log = find<LogView>("logView");
        QTRY_VERIFY_WITH_TIMEOUT(log->text().contains(QStringLiteral("Serving on")), 10000);

        tree->setCurrentIndex(web);
        spin->setValue(2);
        QTest::mouseClick(find<QToolButton>("scaleWorkersButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(allRunning(2), 20000);
        QVERIFY(!find<MessageBanner>("workersPageBanner")->isVisible());
    }

    // The Overview once said "Pool servers healthy 0 of 2" while the Pools table showed the
    // same servers in rotation: both now read the proxy's live word the same way.
    void overviewCountsTheHealthyServersThePoolsTableShows() {
        auto stored = callSync<protocol::method::ConfigGet>(m_session->rpc(), {});
        QVERIFY(stored.ok());
        nlohmann::json doc = stored.value().document;
        doc["pools"][0]["servers"] = nlohmann::json::array();
        doc["pools"][0]["follow_workers"] = "web";
        doc["pools"][0]["health"] = {{"path", "/healthz"}, {"interval_ms", 300}, {"timeout_ms", 250}, {"rise", 1}, {"fall", 1}};
        protocol::ConfigApplyParams params;
        params.config.document = doc;
        params.comment = "gui test: the pool follows the workers";
        auto applied = callSync<protocol::method::ConfigApply>(m_session->rpc(), params);
        QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());

        m_page->setSection(HostPage::Pools);
        auto* table = find<QTableView>("serversTable");
        const auto allHealthy = [table] {
            if (table->model()->rowCount() != 2) return false;
            for (int row = 0; row < 2; ++row) {
                if (table->model()->index(row, app::PoolServerModel::HealthColumn).data().toString() != QLatin1String("Healthy"))
                    return false;
            }
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(allHealthy(), 15000);
        m_page->setSection(HostPage::Overview);
        QTRY_COMPARE_WITH_TIMEOUT(find<QLabel>("healthServersLabel")->text(), QStringLiteral("2 of 2"), 5000);

        // A stopped worker leaves the count, and both pages still agree on what is left
        // (the agent takes a followed server out of rotation while its worker is down).
        protocol::WorkersTarget first;
        first.group = "web";
        first.index = 0;
        QVERIFY(callSync<protocol::method::WorkersStop>(m_session->rpc(), first).ok());
        auto* label = find<QLabel>("healthServersLabel");
        const auto tableSays = [table] {
            int healthy = 0, total = 0;
            for (int row = 0; row < table->model()->rowCount(); ++row) {
                const QString health = table->model()->index(row, app::PoolServerModel::HealthColumn).data().toString();
                if (health == QLatin1String("Disabled")) continue;
                ++total;
                if (health == QLatin1String("Healthy")) ++healthy;
            }
            return QStringLiteral("%1 of %2").arg(healthy).arg(total);
        };
        QTRY_VERIFY_WITH_TIMEOUT(label->text() != QLatin1String("2 of 2"), 15000);
        QTRY_COMPARE_WITH_TIMEOUT(label->text(), tableSays(), 5000);
    }

    // Upload a certificate and key (item 7 of the issue): a real pair made by openssl, checked
    // here (a key of another pair and an encrypted key are refused with what to do), installed
    // where the agent keeps its TLS files (key 0600), staged on a new HTTPS listener, applied,
    // and served: a TLS client gets exactly that certificate. The key never reaches a log.
    void uploadACertificateAndKeyAndServeIt() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString cert = dir.filePath(QStringLiteral("upload.test.crt")), key = dir.filePath(QStringLiteral("upload.test.key"));
        const QString otherKey = dir.filePath(QStringLiteral("other.key")), lockedKey = dir.filePath(QStringLiteral("locked.key"));
        QVERIFY(test::makeCertificatePair(cert, key, QStringLiteral("upload.test"), QStringLiteral("DNS:upload.test,IP:127.0.0.1"), 30));
        QVERIFY(test::openssl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"), QStringLiteral("-pkeyopt"),
                               QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-out"), otherKey}));
        QVERIFY(test::openssl({QStringLiteral("pkey"), QStringLiteral("-in"), key, QStringLiteral("-aes256"), QStringLiteral("-passout"),
                               QStringLiteral("pass:secret"), QStringLiteral("-out"), lockedKey}));
        QFile keyFile(key);
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QByteArray keyPem = keyFile.readAll();
        const QByteArrayList keyLines = test::keyBodyLines(key);
        QVERIFY(!keyLines.isEmpty());

        // Everything the panel logs while it works, to look for the key afterwards.
        static QStringList logged;
        logged.clear();
        const auto previous = qInstallMessageHandler([](QtMsgType, const QMessageLogContext&, const QString& text) { logged << text; });
        const auto restore = qScopeGuard([previous] { qInstallMessageHandler(previous); });

        m_page->setSection(HostPage::StaticHttps);
        auto* page = m_page->staticHttps();
        auto* banner = page->banner();
        const quint16 port = freePort();
        const auto uploadWith = [&](const QString& certPath, const QString& keyPath) {
            onNextDialog([&, certPath, keyPath](QDialog* dialog) {
                QCOMPARE(dialog->objectName(), QStringLiteral("uploadCertificateDialog"));
                dialog->findChild<QLineEdit*>(QStringLiteral("certificateFileEdit"))->setText(certPath);
                dialog->findChild<QLineEdit*>(QStringLiteral("keyFileEdit"))->setText(keyPath);
                auto* listener = dialog->findChild<QComboBox*>(QStringLiteral("certificateListenerCombo"));
                listener->setCurrentIndex(listener->findData(QString()));  // a new HTTPS listener
                dialog->findChild<QSpinBox*>(QStringLiteral("newListenerPortSpin"))->setValue(port);
                dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
            });
            QTest::mouseClick(page->findChild<QToolButton*>(QStringLiteral("uploadCertificateButton")), Qt::LeftButton);
        };
        const auto details = [banner] { return banner->findChild<QLabel*>(QStringLiteral("messageBannerDetails"))->text(); };
        auto* config = m_controller->config();

        // The key of another pair: refused by the check, nothing installed or staged.
        uploadWith(cert, otherKey);
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible() && banner->level() == MessageBanner::Level::Error, 10000);
        QVERIFY2(details().contains(QStringLiteral("does not belong")), qPrintable(details()));
        QCOMPARE(config->changeCount(), 0);
        // An encrypted key: the proxy could not start with it unattended.
        uploadWith(cert, lockedKey);
        QTRY_VERIFY_WITH_TIMEOUT(details().contains(QStringLiteral("passphrase")), 10000);
        QVERIFY(details().contains(QStringLiteral("openssl pkey")));
        QCOMPARE(config->changeCount(), 0);
        const QString tls = m_state.path() + QStringLiteral("/fulcrum/tls");
        QVERIFY(!QFile::exists(tls + QStringLiteral("/upload.test.key")));

        // The right pair: installed, listed with what it holds, staged.
        uploadWith(cert, key);
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible() && banner->text().contains(QStringLiteral("staged")), 10000);
        QCOMPARE(banner->level(), MessageBanner::Level::Positive);
        screenshot(QStringLiteral("certificate-uploaded"));
        QFile installedKey(tls + QStringLiteral("/upload.test.key"));
        QVERIFY(installedKey.open(QIODevice::ReadOnly));
        QCOMPARE(installedKey.readAll(), keyPem);
        QCOMPARE(installedKey.permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
        QVERIFY(config->changeCount() > 0);
        auto* certs = page->certificatesTable()->model();
        // Described by the agent, as it reads the installed file.
        const auto listed = [certs] {
            for (int row = 0; row < certs->rowCount(); ++row) {
                if (certs->index(row, 1).data().toString() == QLatin1String("upload.test") &&
                    certs->index(row, 2).data().toString() == QLatin1String("upload.test, 127.0.0.1"))
                    return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(listed(), 10000);

        // Applied through the page's own staged-changes bar, then served on the new listener.
        const qint64 before = config->appliedVersion();
        QTest::mouseClick(page->stagedBar()->findChild<QPushButton*>(QStringLiteral("applyButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(config->appliedVersion() > before, 10000);
        const QSslCertificate expected = QSslCertificate::fromPath(cert).value(0);
        QSslCertificate served;
        QTRY_VERIFY_WITH_TIMEOUT(!(served = test::servedCertificate(QStringLiteral("127.0.0.1"), port, QStringLiteral("upload.test"))).isNull(),
                                 15000);
        QCOMPARE(served, expected);
        for (const QString& line : logged) {
            for (const QByteArray& secret : keyLines) QVERIFY2(!line.toUtf8().contains(secret), "the key was logged");
        }
    }

    // The proxy child cannot start because another process holds its listener's port: the
    // agent gives up after a few fast failures ("failing"). Every page that shows the proxy's
    // work says so, with the proxy's own last stderr line and what to do, and "Start the
    // proxy again" brings it back once the port is free.
    void failingProxyIsShownWithWhatItSaidAndStartsAgain() {
        auto stored = callSync<protocol::method::ConfigGet>(m_session->rpc(), {});
        QVERIFY(stored.ok());
        nlohmann::json doc = stored.value().document;
        const auto apply = [this](const nlohmann::json& document, const char* comment) {
            protocol::ConfigApplyParams params;
            params.config.document = document;
            params.comment = comment;
            auto applied = callSync<protocol::method::ConfigApply>(m_session->rpc(), params);
            QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
        };
        // A running proxy would refuse the new port and keep serving the old one: stop it
        // first (no listeners), so the next config makes the agent start a new proxy.
        nlohmann::json none = doc;
        none["listeners"] = nlohmann::json::array();
        apply(none, "gui test: no listeners");
        QTcpServer holder;
        QVERIFY(holder.listen(QHostAddress(QStringLiteral("127.0.0.1")), 0));
        const quint16 port = holder.serverPort();
        const QString taken = QStringLiteral("127.0.0.1:%1").arg(port);
        doc["listeners"][0]["address"] = taken.toStdString();
        apply(doc, "gui test: a port another process holds");

        m_window->selectHost(QStringLiteral("local"));
        m_page->setSection(HostPage::Overview);
        auto* banner = m_page->overview()->findChild<MessageBanner*>(QStringLiteral("proxyProblemBanner"));
        QVERIFY(banner);
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible() && banner->level() == MessageBanner::Level::Error, 30000);
        QVERIFY(banner->text().contains(QStringLiteral("not running")));
        auto* details = banner->findChild<QLabel*>(QStringLiteral("messageBannerDetails"));
        // What the proxy itself wrote on stderr, then what to do.
        QTRY_VERIFY_WITH_TIMEOUT(details->text().contains(taken) && details->text().contains(QStringLiteral("in use")), 5000);
        QVERIFY(details->text().contains(QStringLiteral("Start the proxy again")));
        QVERIFY(find<QLabel>("healthListenersLabel")->text().startsWith(QStringLiteral("FAILING")));
        QCOMPARE(m_page->overview()->findChild<StatusPill*>(QStringLiteral("healthPill"))->text(), QStringLiteral("Proxy failing"));
        screenshot(QStringLiteral("proxy-failing"));

        // Everywhere else the proxy's state shows.
        auto* poolsBanner = m_page->pools()->findChild<MessageBanner*>(QStringLiteral("poolsProxyBanner"));
        QVERIFY(poolsBanner->isVisibleTo(m_page->pools()));
        QCOMPARE(poolsBanner->level(), MessageBanner::Level::Error);
        QTRY_VERIFY(m_page->traffic()->findChild<QLabel*>(QStringLiteral("trafficLastUpdateLabel"))->text().contains(
            QStringLiteral("failing")));
        QTRY_VERIFY(m_window->findChild<QLabel*>(QStringLiteral("connectionStatusLabel"))->text().contains(
            QStringLiteral("proxy failing")));

        // The user frees the port and starts the proxy again from the banner.
        holder.close();
        const qint64 version = m_controller->config()->appliedVersion();
        auto* start = banner->findChild<QPushButton*>(QStringLiteral("startProxyButton"));
        QVERIFY(start && start->isEnabled());
        QTest::mouseClick(start, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(find<QLabel>("healthListenersLabel")->text().startsWith(QStringLiteral("running")), 5000);
        QVERIFY(!poolsBanner->isVisibleTo(m_page->pools()));
        QVERIFY(!m_window->findChild<QLabel*>(QStringLiteral("connectionStatusLabel"))->text().contains(QStringLiteral("proxy")));
        // The same config, started again: no new version.
        QCOMPARE(m_controller->config()->appliedVersion(), version);
        // And it serves on the port it could not have before.
        QTcpSocket probe;
        probe.connectToHost(QStringLiteral("127.0.0.1"), port);
        QVERIFY(probe.waitForConnected(5000));
    }

    // The Overview's lower half once stayed empty: it shows the last ten minutes of requests
    // from the samples the panel already receives, and what happened — here a worker the
    // agent restarts after it was killed, and an action that failed — each with its time.
    void overviewShowsRequestsAndRecentEvents() {
        m_window->selectHost(QStringLiteral("local"));
        m_page->setSection(HostPage::Overview);
        auto* overview = m_page->overview();
        auto* requests = overview->findChild<ChartCard*>(QStringLiteral("overviewRequestsChart"));
        QVERIFY(requests && requests->isVisible());
        auto* model = m_controller->traffic()->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->sampleCount() > 0 && !requests->points(0).isEmpty(), 10000);
        QVERIFY(requests->headline() != QStringLiteral("—"));
        // The same samples as the Traffic page, ten minutes of them.
        QTRY_COMPARE(requests->points(0).size(), model->points(app::MetricSeriesModel::RequestsColumn, 600).size());
        // Below the four cards, in what was the empty half of the window.
        auto* hostCard = overview->findChild<QLabel*>(QStringLiteral("hostnameLabel"));
        QVERIFY(requests->mapTo(overview, QPoint(0, 0)).y() > hostCard->mapTo(overview, QPoint(0, 0)).y() + 100);

        auto* list = overview->findChild<QListView*>(QStringLiteral("recentEventsList"));
        QVERIFY(list);
        const auto texts = [list] {
            QStringList all;
            for (int row = 0; row < list->model()->rowCount(); ++row) all << list->model()->index(row, 0).data().toString();
            return all;
        };
        // A running worker killed from outside: the agent restarts it, the list says so.
        protocol::WorkersTarget web;
        web.group = "web";
        QVERIFY(callSync<protocol::method::WorkersStart>(m_session->rpc(), web).ok());
        qint64 pid = 0;
        int index = -1, port = 0;
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     auto listed = callSync<protocol::method::WorkersList>(m_session->rpc(), {});
                                     if (!listed.ok()) return false;
                                     for (const auto& g : listed.value().groups) {
                                         for (const auto& w : g.instances) {
                                             if (g.name == "web" && w.pid > 0 && w.state == protocol::InstanceState::running) {
                                                 pid = w.pid, index = w.index, port = w.port;
                                                 return true;
                                             }
                                         }
                                     }
                                     return false;
                                 }()),
                                 15000);
        QTest::qWait(500);  // the panel has seen it running (workers.changed)
        QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        const QString restarted = QStringLiteral("Worker web #%1 (port %2) exited (killed by signal 9) and was restarted").arg(index).arg(port);
        QTRY_VERIFY2_WITH_TIMEOUT(texts().join(QLatin1Char('\n')).contains(restarted), qPrintable(texts().join(QLatin1Char('\n'))), 15000);
        // With its time, newest first.
        const int row = int(texts().indexOf(QRegularExpression(QStringLiteral(".*") + QRegularExpression::escape(restarted))));
        QVERIFY(QRegularExpression(QStringLiteral("^\\d\\d:\\d\\d:\\d\\d  ")).match(texts().at(row)).hasMatch());
        const qint64 at = list->model()->index(row, 0).data(app::HostEvents::TimeRole).toLongLong();
        QVERIFY(std::abs(at - QDateTime::currentMSecsSinceEpoch()) < 30000);

        // An action that failed, on any page, is an event too.
        m_page->workers()->showError(QStringLiteral("The workers were not scaled."), QStringLiteral("test"));
        QCOMPARE(list->model()->index(0, 0).data(app::HostEvents::TextRole).toString(), QStringLiteral("The workers were not scaled."));
        QCOMPARE(list->model()->index(0, 0).data(app::HostEvents::LevelRole).toInt(), int(app::HostEvents::Level::Error));
        m_page->workers()->banner()->hide();
        screenshot(QStringLiteral("overview-events"));
        // It fills the window's lower half without making the page taller than the window.
        QTRY_COMPARE(overview->scrollArea()->verticalScrollBar()->maximum(), 0);
    }

    // "Stop the demo" (README once said `pkill -u "$USER" -x fulcrum-agent`): after a
    // confirmation that says what it stops, the agent, its workers and the proxy all go, the
    // window stays responsive meanwhile, and the page says when everything is down. Last: it
    // ends this test's agent.
    void stopTheDemoLeavesNothingRunning() {
        m_window->selectHost(QStringLiteral("local"));
        // Workers stopped by an earlier test come back, so there is something to stop.
        protocol::WorkersTarget web;
        web.group = "web";
        QVERIFY(callSync<protocol::method::WorkersStart>(m_session->rpc(), web).ok());
        const std::vector<std::string> dirs{m_state.path().toStdString()};
        // The daemon, the proxy and both workers live under the test's state directory.
        QTRY_VERIFY_WITH_TIMEOUT(fulcrum::testing::processes_under(dirs).size() >= 4, 15000);
        // What the host serves on, asked independently of the page: listeners from config.get,
        // worker ports from workers.list.
        QList<int> served;
        auto stored = callSync<protocol::method::ConfigGet>(m_session->rpc(), {});
        QVERIFY(stored.ok());
        for (const auto& listener : stored.value().document.at("listeners")) {
            const std::string address = listener.at("address").get<std::string>();
            served << std::stoi(address.substr(address.rfind(':') + 1));
        }
        auto listed = callSync<protocol::method::WorkersList>(m_session->rpc(), {});
        QVERIFY(listed.ok());
        for (const auto& group : listed.value().groups) {
            for (const auto& worker : group.instances) served << worker.port;
        }
        auto* button = m_page->findChild<QPushButton*>(QStringLiteral("stopDemoButton"));
        QVERIFY(button);
        QVERIFY(!button->isVisible());  // not under --demo
        m_controller->enableDemo();
        QVERIFY(button->isVisible() && button->isEnabled());
        auto* action = m_window->findChild<QAction*>(QStringLiteral("stopDemoAction"));
        QVERIFY(action);
        m_window->selectHost(QStringLiteral("local"));
        QTRY_VERIFY(action->isEnabled());

        // Cancelled: nothing happens.
        onNextDialog([](QDialog* dialog) {
            QCOMPARE(dialog->objectName(), QStringLiteral("stopDemoDialog"));
            dialog->reject();
        });
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(m_session->state(), app::HostSession::State::Connected);
        QVERIFY(::kill(pid_t(m_daemonPid), 0) == 0);

        // Confirmed from the Host menu, after reading what it stops.
        QString asked;
        onNextDialog([&asked](QDialog* dialog) {
            auto* box = qobject_cast<QMessageBox*>(dialog);
            QVERIFY(box);
            asked = box->text() + QLatin1Char('\n') + box->informativeText();
            fulcrum::ui::test::screenshot(box, QStringLiteral("stop-demo-dialog"));
            box->findChild<QPushButton*>(QStringLiteral("confirmStopDemoButton"))->click();
        });
        QSignalSpy stopped(m_controller, &HostController::demoStopped);
        action->trigger();
        QVERIFY2(asked.contains(QStringLiteral("agent")) && asked.contains(QStringLiteral("workers")) &&
                     asked.contains(QStringLiteral("proxy")),
                 qPrintable(asked));
        // The ports are this host's, not the demo's defaults (8000–8003, 8080, 8443): its
        // listener and its two workers on free ports, as the host itself reports them.
        QVERIFY2(!asked.contains(QStringLiteral("8000–8003")) && !asked.contains(QStringLiteral("8443")), qPrintable(asked));
        QVERIFY(!served.isEmpty());
        for (const int port : served) QVERIFY2(asked.contains(QString::number(port)), qPrintable(QString::number(port) + QLatin1Char('\n') + asked));
        auto* banner = m_page->overview()->banner();
        QCOMPARE(m_page->section(), int(HostPage::Overview));
        // Progress while the processes stop, and the event loop keeps running (this wait is it).
        QVERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(QStringLiteral("Stopping")), qPrintable(banner->text()));
        QVERIFY(!button->isEnabled());
        QVERIFY(stopped.wait(30000));
        QCOMPARE(stopped.first().first().toBool(), true);
        QCOMPARE(banner->level(), MessageBanner::Level::Positive);
        QVERIFY2(banner->text().contains(QStringLiteral("2 workers")) && banner->text().contains(QStringLiteral("proxy")),
                 qPrintable(banner->text()));
        screenshot(QStringLiteral("demo-stopped"));
        const auto left = fulcrum::testing::processes_under(dirs);
        // The events say it was stopped, not that the connection was lost.
        const auto* events = m_controller->events();
        QVERIFY(events->rowCount() > 0);
        QVERIFY2(events->eventAt(0).text.startsWith(QStringLiteral("The demo was stopped")), qPrintable(events->eventAt(0).text));
        for (int row = 0; row < events->rowCount() && events->eventAt(row).msecs >= events->eventAt(0).msecs - 5000; ++row)
            QVERIFY(!events->eventAt(row).text.contains(QStringLiteral("Lost the connection")));
        // The daemon among them (a zombie left to its reaper counts as gone).
        QVERIFY2(left.empty(), fulcrum::testing::describe(left).c_str());
        // The panel does not start it again behind the person's back.
        QTest::qWait(1500);
        QCOMPARE(m_session->state(), app::HostSession::State::Disconnected);
        QVERIFY(fulcrum::testing::processes_under(dirs).empty());
        QVERIFY(!button->isVisible());
        QVERIFY(!action->isEnabled());
    }
};

QTEST_MAIN(TestHostGui)
#include "test_host_gui.moc"
