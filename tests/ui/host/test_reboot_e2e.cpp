// Reboot & verify through the panel's own page, against simulated servers (tests/support/
// simhost: own network, sshd, cron and a reboot that kills every process and gives a new
// boot_id). Two hosts, each with the real agent uploaded over SSH, two waitress workers and
// the proxy in front of them, boot persistence installed by the agent's own boot.install.
//
// Driven by objectName like a user: tick the hosts, set the command and the stability window,
// press "Reboot and verify", and watch the timeline fill in.
//   - green, rolling: a and b rebooted one after another; b's workers, servers of a's pool, are
//     drained out of it before b goes down and put back after; every step passes, b waits
//     while a runs, the verdict is green and both boot ids changed;
//   - cancelled: Stop while the panel waits for a to come back ends the run at once, says
//     "cancelled", and leaves nothing running;
//   - red: boot persistence removed on a; preflight warns and waits; "Don't reboot" leaves the
//     host alone (red, nothing rebooted); "Reboot anyway" reboots it, and since only the
//     panel's reconnection started the agent again, "Agent started by boot persistence" is red
//     with its evidence open and the steps after it not run.
// Needs root (namespaces): skipped otherwise. Set FULCRUM_SCREENSHOT_DIR to save the window at
// mid-run, after the green and after the red verdict (under Xvfb: `import -window root`).
#include "app/models/staged_config.h"
#include "app/rpc/host_session.h"
#include "ui/HostPage.h"
#include "ui/MainWindow.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/host/HostController.h"
#include "ui/host/RebootController.h"
#include "ui/pages/RebootPage.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/Timeline.h"
#include "tests/support/simhost/lab.h"
#include "tests/ui/rpc_sync.h"

#include <QApplication>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <memory>
#include <sstream>

using namespace fulcrum;
using namespace fulcrum::ui;
using namespace std::chrono_literals;
using fulcrum::ui::test::callSync;
using Step = app::RebootVerifier::Step;
using State = Timeline::StepState;

namespace {

std::string readBinary(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream data;
    data << in.rdbuf();
    return data.str();
}

// Two demo workers behind the host's own proxy on :8080, reachable from this computer; the
// pool may also balance over servers on another host (a's pool over b's workers: the rolling
// reboot of b drains them out of it first).
nlohmann::json hostConfig(int basePort, const std::string& listen, const nlohmann::json& otherServers) {
    const std::string demo = FULCRUM_SOURCE_DEMO_DIR;
    nlohmann::json doc = nlohmann::json::parse(R"({
      "threads": 1,
      "listeners": [{"name": "http", "address": "0.0.0.0:8080"}],
      "routes": [{"path_prefix": "/", "pool": "app"}],
      "pools": [{"name": "app", "balance": "round_robin", "follow_workers": "web", "servers": [],
                 "connect_timeout_ms": 1000, "response_timeout_ms": 5000}],
      "workers": [{"name": "web", "command": ["/usr/bin/waitress-serve", "--listen=LISTEN:{port}", "demo_app:application"],
                   "count": 2, "base_port": 8100, "cwd": ")" + demo + R"(",
                   "health": {"type": "http", "path": "/healthz"},
                   "restart": {"policy": "always", "backoff_initial_ms": 200, "backoff_max_ms": 2000,
                               "stable_after_ms": 5000, "max_fast_failures": 10},
                   "stop_grace_ms": 3000}]
    })");
    doc["workers"][0]["base_port"] = basePort;
    doc["workers"][0]["command"][1] = "--listen=" + listen + ":{port}";
    if (!otherServers.empty()) {
        // Listed one by one (a pool that follows its workers only ever holds this host's own).
        doc["pools"][0].erase("follow_workers");
        nlohmann::json servers = otherServers;
        for (int i = 0; i < 2; ++i) servers.push_back({{"address", "127.0.0.1:" + std::to_string(basePort + i)}});
        doc["pools"][0]["servers"] = servers;
    }
    return doc;
}

// Patient enough for a loaded CI machine, short enough that a red run ends within the test.
app::RebootOptions testTimeouts() {
    app::RebootOptions o;
    o.pollInterval = 500ms;
    o.rpcTimeout = 10s;
    o.issueTimeout = 20s;
    o.downTimeout = 20s;
    o.upTimeout = 40s;
    o.healthTimeout = 40s;
    return o;
}

app::SessionTimings testSessionTimings() {
    app::SessionTimings t;
    t.helloTimeout = 10s;
    t.heartbeatInterval = 500ms;
    t.heartbeatTimeout = 3s;
    // The first reconnect comes 2 s after the drop: a simulated host boots in well under that,
    // so its cron has started the agent before the panel's `agent rpc` would (as on a real
    // server, whose boot takes far longer than the panel's first retry).
    t.reconnectInitial = 2s;
    t.reconnectMax = 2s;
    return t;
}

}  // namespace

class TestRebootE2e : public QObject {
    Q_OBJECT
private:
    struct Host {
        testing::SimHost* sim = nullptr;
        HostPage* page = nullptr;
        app::HostSession* session = nullptr;
        HostController* controller = nullptr;
    };

    QTemporaryDir m_settings;
    std::unique_ptr<testing::SimLab> m_lab;
    MainWindow* m_window = nullptr;
    Host m_a, m_b;

    RebootPage* page() const { return m_a.page->reboot(); }
    template <class T>
    T* find(const char* name) const {
        T* w = page()->findChild<T*>(QString::fromLatin1(name));
        if (!w) qWarning("no widget named %s", name);
        return w;
    }
    MessageBanner* verdict() const { return find<MessageBanner>("rebootVerdictBanner"); }
    State step(const QString& host, Step s) const {
        return page()->timeline()->stepState(host + QLatin1Char(':') + RebootController::stepKey(s));
    }
    QWidget* row(const QString& host, Step s) const {
        return page()->timeline()->findChild<QWidget*>(QStringLiteral("timelineStep_") + host + QLatin1Char(':') +
                                                        RebootController::stepKey(s));
    }
    QString bannerDetails() const {
        return verdict()->findChild<QLabel*>(QStringLiteral("messageBannerDetails"))->text();
    }

    void tick(const QStringList& ids) {
        auto* list = find<QListWidget>("rebootHostList");
        for (int i = 0; i < list->count(); ++i) {
            auto* item = list->item(i);
            item->setCheckState(ids.contains(item->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
        }
    }

    void screenshot(const QString& name) {
        const QString dir = qEnvironmentVariable("FULCRUM_SCREENSHOT_DIR");
        if (dir.isEmpty()) return;
        QTest::qWait(300);  // let the last updates paint
        const QString path = dir + QLatin1Char('/') + name + QStringLiteral(".png");
        if (!qEnvironmentVariableIsEmpty("DISPLAY") && QGuiApplication::platformName() == QLatin1String("xcb"))
            QProcess::execute(QStringLiteral("import"), {QStringLiteral("-window"), QStringLiteral("root"), path});
        else
            m_window->grab().save(path);
    }

    void setUpHost(Host& h, const char* name, const nlohmann::json& config) {
        h.sim = &m_lab->host(name);
        // The agent, uploaded the way an install over SSH would put it.
        const std::string binary = readBinary(FULCRUM_AGENT_BINARY);
        QVERIFY(!binary.empty());
        const auto upload = h.sim->run_as_user(
            "mkdir -p ~/.local/lib/fulcrum && cat > ~/.local/lib/fulcrum/.upload && chmod 755 ~/.local/lib/fulcrum/.upload "
            "&& mv ~/.local/lib/fulcrum/.upload ~/.local/lib/fulcrum/fulcrum-agent",
            60s, binary);
        QVERIFY2(upload.ok(), upload.err.c_str());

        app::SshTarget target;
        target.alias = QString::fromLatin1(name);
        target.hostName = QString::fromStdString(h.sim->address());
        target.port = quint16(h.sim->ssh_port());
        target.user = QString::fromStdString(h.sim->user());
        const QString ssh = QString::fromStdString((m_lab->panel_home() / ".ssh").string());
        target.sshDir = ssh;
        target.knownHostsPath = ssh + QStringLiteral("/known_hosts");
        target.identityFiles = {QString::fromStdString(m_lab->client_key().string())};
        target.identitiesOnly = true;
        target.connectTimeout = 10s;
        h.session = new app::HostSession(app::HostEndpoint::overSsh(target), nullptr, testSessionTimings());
        h.page = m_window->addHost(QString::fromLatin1(name), QStringLiteral("server %1").arg(QString::fromLatin1(name)),
                                   target.displayName(), false);
        h.controller = new HostController(h.session, h.page, m_window);
        h.controller->reboot()->setBaseOptions(testTimeouts());
        QSignalSpy loaded(h.controller, &HostController::loaded);
        h.session->open();
        QVERIFY2(loaded.wait(30000), qPrintable(h.session->statusText()));

        protocol::ConfigApplyParams apply;
        apply.config.document = config;
        apply.comment = "reboot e2e";
        const auto applied = callSync<protocol::method::ConfigApply>(h.session->rpc(), apply);
        QVERIFY2(applied.ok(), applied.ok() ? "" : applied.error().message.c_str());
        protocol::BootInstallParams boot;
        boot.mechanism = protocol::BootMechanism::cron;
        const auto installed = callSync<protocol::method::BootInstall>(h.session->rpc(), boot);
        QVERIFY2(installed.ok(), installed.ok() ? "" : installed.error().message.c_str());
        QVERIFY2(installed.value().will_start_on_boot, installed.value().summary.c_str());
    }

private slots:
    void initTestCase() {
        if (auto why = testing::SimLab::unsupported_reason()) QSKIP(why->c_str());
        Settings::useFile(m_settings.filePath(QStringLiteral("settings.ini")));
        Theme::instance()->install(*qApp);
        m_lab = std::make_unique<testing::SimLab>(testing::SimLabOptions{{"a", "b"}, 500ms});
        m_window = new MainWindow;
        m_window->resize(1360, 860);
        m_window->show();
        // b's workers listen on the lab network and are servers of a's pool too.
        const std::string b = m_lab->host("b").address();
        setUpHost(m_a, "a", hostConfig(8100, "127.0.0.1",
                                       nlohmann::json::array({{{"address", b + ":8200"}}, {{"address", b + ":8201"}}})));
        setUpHost(m_b, "b", hostConfig(8200, "0.0.0.0", nlohmann::json::array()));
        m_window->selectHost(QStringLiteral("a"));
        m_a.page->setSection(HostPage::Reboot);
        // Every connected server can be chosen from a's page; a is ticked, b is not yet.
        auto* list = find<QListWidget>("rebootHostList");
        QTRY_COMPARE(list->count(), 2);
        QCOMPARE(list->item(0)->data(Qt::UserRole).toString(), QStringLiteral("a"));
        QCOMPARE(list->item(0)->checkState(), Qt::Checked);
        QCOMPARE(list->item(1)->checkState(), Qt::Unchecked);
        find<QLineEdit>("rebootCommandEdit")->setText(QString::fromStdString(testing::SimHost::reboot_command()));
        find<QSpinBox>("stabilityWindowSpin")->setValue(2);
    }

    void cleanupTestCase() {
        for (Host* h : {&m_b, &m_a}) {
            delete h->controller;
            delete h->session;
        }
        delete m_window;
        m_lab.reset();  // kills everything the hosts ran, agents and workers included
    }

    void twoHostsOneAfterAnotherAllGreen() {
        const int bootsA = m_a.sim->boot_count(), bootsB = m_b.sim->boot_count();
        const std::string bootIdA = m_a.sim->boot_id(), bootIdB = m_b.sim->boot_id();
        tick({QStringLiteral("a"), QStringLiteral("b")});
        auto* rolling = find<QCheckBox>("rollingModeCheck");
        QVERIFY(rolling->isEnabled());
        rolling->setChecked(true);
        auto* start = find<QPushButton>("startRebootButton");
        QVERIFY(start->isEnabled());
        QSignalSpy finished(m_a.controller->reboot(), &RebootController::runFinished);
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(page()->isRunning());
        QVERIFY(!start->isEnabled());
        QVERIFY(find<QPushButton>("cancelRebootButton")->isEnabled());

        // Mid-run: a is down and its session says so, b has not been touched yet.
        QTRY_VERIFY_WITH_TIMEOUT(step(QStringLiteral("a"), Step::HostDown) == State::Passed, 30000);
        QCOMPARE(step(QStringLiteral("a"), Step::IssueReboot), State::Passed);
        QCOMPARE(step(QStringLiteral("b"), Step::Preflight), State::Pending);
        QVERIFY(find<QLabel>("rebootProgressLabel")->text().startsWith(QStringLiteral("Host 1 of 2")));
        QTRY_VERIFY_WITH_TIMEOUT(step(QStringLiteral("a"), Step::WorkersHealthy) != State::Pending, 30000);
        screenshot(QStringLiteral("reboot-running"));
        QCOMPARE(m_b.sim->boot_count(), bootsB);

        QVERIFY2(finished.wait(120000) || finished.count() == 1, "the run did not end within 120 s");
        QCOMPARE(finished.count(), 1);
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(verdict()->text() + QStringLiteral(" — ") + bannerDetails()));
        QVERIFY(verdict()->isVisible());
        QCOMPARE(verdict()->level(), MessageBanner::Level::Positive);
        QVERIFY(verdict()->text().contains(QStringLiteral("2 hosts rebooted and verified")));
        for (const QString& host : {QStringLiteral("a"), QStringLiteral("b")}) {
            for (int i = 0; i < int(Step::Count); ++i)
                QVERIFY2(step(host, Step(i)) == State::Passed, qPrintable(host + QStringLiteral(" step ") + QString::number(i)));
        }
        // Rolling: before b went down its servers were drained out of a's pool, and put back.
        const QString b = QString::fromStdString(m_b.sim->address());
        auto* drain = page()->timeline()->findChild<QWidget*>(QStringLiteral("timelineStep_b:drain"));
        QVERIFY(drain);
        QCOMPARE(page()->timeline()->stepState(QStringLiteral("b:drain")), State::Passed);
        const QString drained = drain->findChild<QPlainTextEdit*>(QStringLiteral("timelineEvidence"))->toPlainText();
        QVERIFY2(drained.contains(b + QStringLiteral(":8200")) && drained.contains(QStringLiteral("pool app")),
                 qPrintable(drained));
        QCOMPARE(page()->timeline()->stepState(QStringLiteral("b:restore")), State::Passed);
        QCOMPARE(page()->timeline()->stepState(QStringLiteral("a:restore")), State::Passed);
        // The timeline shows what was seen: the boot ids and the answering workers.
        auto* newBootId = row(QStringLiteral("b"), Step::NewBootId)->findChild<QLabel*>(QStringLiteral("timelineDetail"));
        QVERIFY(newBootId->text().contains(QStringLiteral("→")));
        QVERIFY(!page()->isRunning());
        QVERIFY(start->isEnabled());
        QCOMPARE(m_a.sim->boot_count(), bootsA + 1);
        QCOMPARE(m_b.sim->boot_count(), bootsB + 1);
        QVERIFY(m_a.sim->boot_id() != bootIdA);
        QVERIFY(m_b.sim->boot_id() != bootIdB);
        QVERIFY(!m_a.session->isRebooting());
        screenshot(QStringLiteral("reboot-green"));
    }

    // Stop pressed while the panel waits for the host to come back: the run ends at once, the
    // timeline and the verdict say "cancelled" (not a red step with advice), the reboot that
    // was already sent happens anyway, and nothing of the run is left: no verifier, the
    // session no longer in "rebooting", and it reconnects as for any lost connection.
    void cancelWhileWaitingForTheHostEndsCancelledAndLeavesNothingRunning() {
        const int boots = m_a.sim->boot_count();
        tick({QStringLiteral("a")});
        find<QCheckBox>("rollingModeCheck")->setChecked(false);
        auto* start = find<QPushButton>("startRebootButton");
        auto* stop = find<QPushButton>("cancelRebootButton");
        QSignalSpy finished(m_a.controller->reboot(), &RebootController::runFinished);
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY(page()->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(step(QStringLiteral("a"), Step::HostUp) == State::Running, 30000);
        QVERIFY(m_a.session->isRebooting());
        QVERIFY(stop->isEnabled());
        QTest::mouseClick(stop, Qt::LeftButton);

        // Ends at once, without waiting for the host.
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QVERIFY(!page()->isRunning());
        QVERIFY(!stop->isEnabled());
        QCOMPARE(verdict()->level(), MessageBanner::Level::Warning);
        QVERIFY2(verdict()->text().contains(QStringLiteral("cancelled")), qPrintable(verdict()->text()));
        QVERIFY2(bannerDetails().contains(QStringLiteral("SSH and agent back")) &&
                     bannerDetails().contains(QStringLiteral("reboots anyway")),
                 qPrintable(bannerDetails()));
        QCOMPARE(step(QStringLiteral("a"), Step::HostDown), State::Passed);
        QCOMPARE(step(QStringLiteral("a"), Step::HostUp), State::Skipped);
        screenshot(QStringLiteral("reboot-cancelled"));
        auto* up = row(QStringLiteral("a"), Step::HostUp)->findChild<QLabel*>(QStringLiteral("timelineDetail"));
        QVERIFY2(up->text().contains(QStringLiteral("Cancelled")), qPrintable(up->text()));
        for (Step s : {Step::NewBootId, Step::AgentFromBoot, Step::WorkersHealthy, Step::Stability})
            QCOMPARE(step(QStringLiteral("a"), s), State::Skipped);

        // Nothing of the run is left running.
        QVERIFY(!m_a.session->isRebooting());
        QTRY_VERIFY(m_a.controller->reboot()->findChildren<app::RebootVerifier*>().isEmpty());
        // The session reconnects on its own; the host did reboot (the command had been sent).
        QTRY_COMPARE_WITH_TIMEOUT(m_a.session->state(), app::HostSession::State::Connected, 40000);
        QCOMPARE(m_a.sim->boot_count(), boots + 1);
        QTRY_VERIFY(start->isEnabled());  // a connected host can be rebooted again
        QTRY_VERIFY_WITH_TIMEOUT(m_a.sim->run_as_user("true").ok(), 20000);  // booted through, for the next test
        // And nothing writes into the timeline any more.
        const QString detail = up->text();
        QTest::qWait(1500);
        QCOMPARE(up->text(), detail);
        QCOMPARE(step(QStringLiteral("a"), Step::NewBootId), State::Skipped);
        QCOMPARE(finished.count(), 1);
    }

    void noBootPersistenceWarnsAndRebootAnywayEndsRed() {
        // Remove what starts the agent at boot: the next boot leaves it to the panel.
        const auto removed = m_a.sim->run_as_user("crontab -r");
        QVERIFY2(removed.ok(), removed.err.c_str());
        const int boots = m_a.sim->boot_count();
        tick({QStringLiteral("a")});
        find<QCheckBox>("rollingModeCheck")->setChecked(false);  // the plain path: one verifier
        auto* start = find<QPushButton>("startRebootButton");

        // Preflight warns and waits; declining reboots nothing.
        QTest::mouseClick(start, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(verdict()->isVisible() && verdict()->level() == MessageBanner::Level::Warning, 20000);
        QVERIFY(bannerDetails().contains(QStringLiteral("will not start at boot")));
        QCOMPARE(step(QStringLiteral("a"), Step::Preflight), State::Warning);
        QCOMPARE(step(QStringLiteral("a"), Step::IssueReboot), State::Pending);
        QSignalSpy finished(m_a.controller->reboot(), &RebootController::runFinished);
        QTest::mouseClick(verdict()->findChild<QPushButton*>(QStringLiteral("declineRebootButton")), Qt::LeftButton);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QCOMPARE(verdict()->level(), MessageBanner::Level::Error);
        QVERIFY(verdict()->text().contains(QStringLiteral("was not rebooted")));
        QTest::qWait(500);
        QCOMPARE(m_a.sim->boot_count(), boots);

        // Again, and this time "Reboot anyway".
        QTest::mouseClick(start, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(verdict()->isVisible() && verdict()->level() == MessageBanner::Level::Warning, 20000);
        QTest::mouseClick(verdict()->findChild<QPushButton*>(QStringLiteral("confirmRebootButton")), Qt::LeftButton);
        QVERIFY(finished.wait(90000));
        QCOMPARE(finished.count(), 2);
        QCOMPARE(finished.at(1).at(0).toBool(), false);
        QCOMPARE(m_a.sim->boot_count(), boots + 1);
        QCOMPARE(step(QStringLiteral("a"), Step::Preflight), State::Warning);  // passed, with the confirmed warning
        QCOMPARE(step(QStringLiteral("a"), Step::NewBootId), State::Passed);
        QCOMPARE(step(QStringLiteral("a"), Step::AgentFromBoot), State::Failed);
        for (Step s : {Step::WorkersHealthy, Step::ListenersBound, Step::UpstreamsReachable, Step::Stability})
            QCOMPARE(step(QStringLiteral("a"), s), State::Skipped);
        // The verdict names the step and what to do; the evidence is open under the red step.
        QCOMPARE(verdict()->level(), MessageBanner::Level::Error);
        QVERIFY2(verdict()->text().contains(QStringLiteral("Agent started by boot persistence")), qPrintable(verdict()->text()));
        QVERIFY2(bannerDetails().contains(QStringLiteral("boot persistence")), qPrintable(bannerDetails()));
        auto* evidence = row(QStringLiteral("a"), Step::AgentFromBoot)->findChild<QPlainTextEdit*>(QStringLiteral("timelineEvidence"));
        QVERIFY(evidence && evidence->isVisible());
        QVERIFY2(evidence->toPlainText().contains(QStringLiteral("started_by \"rpc\"")), qPrintable(evidence->toPlainText()));
        screenshot(QStringLiteral("reboot-red"));
    }
};

QTEST_MAIN(TestRebootE2e)
#include "test_reboot_e2e.moc"
