#include "ui/host/HostController.h"

#include "app/demo/demo_setup.h"
#include "app/demo/local_agent_stop.h"
#include "app/deploy/agent_deployer.h"
#include "app/models/format.h"
#include "app/models/host_events.h"
#include "app/models/pool_server_model.h"
#include "app/models/served_ports.h"
#include "app/models/worker_model.h"
#include "app/rpc/agent_locator.h"
#include "app/rpc/host_session.h"
#include "ui/HostPage.h"
#include "ui/MainWindow.h"
#include "ui/host/OverviewController.h"
#include "ui/host/PoolsController.h"
#include "ui/host/ProxyWatch.h"
#include "ui/host/RebootController.h"
#include "ui/host/RebootTargets.h"
#include "ui/host/StaticController.h"
#include "ui/host/TrafficController.h"
#include "ui/host/WorkersController.h"
#include "ui/pages/OverviewPage.h"
#include "ui/pages/PoolsPage.h"
#include "ui/pages/RebootPage.h"
#include "ui/pages/StaticHttpsPage.h"
#include "ui/pages/TrafficPage.h"
#include "ui/widgets/MessageBanner.h"

#include <QDateTime>
#include <QMessageBox>
#include <QPushButton>

#include <utility>

namespace fulcrum::ui {

namespace {
HostState toUi(app::HostSession::State state) {
    using S = app::HostSession::State;
    switch (state) {
    case S::Disconnected: return HostState::Disconnected;
    case S::Connecting: return HostState::Connecting;
    case S::Connected: return HostState::Connected;
    case S::Deploying: return HostState::Deploying;
    case S::Rebooting: return HostState::Rebooting;
    case S::Unreachable: return HostState::Unreachable;
    case S::Error: return HostState::Error;
    }
    return HostState::Error;
}
}  // namespace

HostController::HostController(app::HostSession* session, HostPage* page, MainWindow* window, QObject* parent)
    : QObject(parent), m_session(session), m_page(page), m_window(window), m_config(new app::StagedConfig(this)),
      m_backend(std::make_unique<RpcConfigBackend>(session->rpc())), m_events(new app::HostEvents(this)) {
    m_config->setBackend(m_backend.get());
    m_workers = new WorkersController(session, page->workers(), this);
    m_pools = new PoolsController(session, page->pools(), m_config, this);
    m_pools->bindStagedBar(page->staticHttps()->stagedBar(), page->staticHttps());
    m_traffic = new TrafficController(session, page->traffic(), m_config, this);
    m_static = new StaticController(session, page->staticHttps(), m_config, this);
    m_overview = new OverviewController(session, page->overview(), m_workers->model(), m_config, this);
    m_proxy = new ProxyWatch(session, this);
    connect(m_proxy, &ProxyWatch::changed, this, &HostController::onProxyChanged);
    connect(page->overview(), &OverviewPage::startProxyRequested, this, &HostController::startProxyAgain);

    // Live data flows between sections: worker ports fill pools that follow a group, each
    // metrics sample updates the pool table and the overview's health.
    const auto workerAddresses = [this] { m_pools->servers()->setWorkerAddresses(m_workers->model()->addressesByGroup()); };
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
        connect(m_workers->model(), signal, this, workerAddresses);
    }
    connect(m_workers->model(), &QAbstractItemModel::modelReset, this, workerAddresses);
    connect(m_workers->model(), &QAbstractItemModel::dataChanged, this, workerAddresses);
    connect(m_workers, &WorkersController::availabilityChanged, m_overview, &OverviewController::setWorkersAvailable);
    connect(m_traffic, &TrafficController::sampleArrived, this, [this](const protocol::MetricsSample& sample) {
        m_pools->servers()->setLive(sample.pools);
        m_overview->setLiveSample(sample);
        m_events->noteSample(sample);
    });
    watchEvents();
    connect(m_static, &StaticController::certificatesChanged, this,
            [this] { m_overview->setCertificatesExpiringSoon(m_static->expiringSoon()); });

    connect(session, &app::HostSession::stateChanged, this, &HostController::onStateChanged);
    connect(session, &app::HostSession::connected, this, &HostController::onConnected);
    connect(session, &app::HostSession::connectionLost, this, [this] {
        for (HostPart* part : std::initializer_list<HostPart*>{m_overview, m_pools, m_workers, m_traffic, m_static, m_proxy})
            part->disconnected();
        // Stopping the demo ends the connection on purpose; that is said when it is done. So
        // does Disconnect (the session is already Disconnected when it says so): neither is a
        // loss, and the next connection is not "again".
        const bool onPurpose = m_stopper || m_session->state() == app::HostSession::State::Disconnected;
        if (!onPurpose) {
            m_events->add(app::HostEvents::Level::Warning, tr("Lost the connection to the agent"),
                          QDateTime::currentMSecsSinceEpoch());
        } else if (!m_stopper) {
            m_events->add(app::HostEvents::Level::Info, tr("Disconnected"), QDateTime::currentMSecsSinceEpoch());
        }
        m_events->forgetBaseline();
        m_reconnectEvent = onPurpose ? tr("Connected") : tr("Connected again");
    });
    // Reboot & verify: every host of the window can be chosen from any host's page.
    auto* targets = RebootTargets::of(window);
    targets->add(page->hostId(), session, m_config);
    m_reboot = new RebootController(page->hostId(), session, page->reboot(), targets, this);
    connect(page, &HostPage::deployRequested, this, &HostController::deployAgent);
    connect(page, &HostPage::stopDemoRequested, this, [this] { stopDemo(); });
    connect(page, &HostPage::connectRequested, session, &app::HostSession::open);
    connect(page, &HostPage::disconnectRequested, session, &app::HostSession::close);
    onStateChanged();
}

HostController::~HostController() {
    // The parts' calls are guarded by their own lifetime; detach the config's backend first
    // so nothing calls into a half-destroyed controller.
    m_config->setBackend(nullptr);
}

void HostController::enableDemo() {
    m_demoEnabled = true;
    m_page->traffic()->setTestTrafficAvailable(true);
    if (m_session && m_session->endpoint().isLocal()) m_page->setDemo(true);
}

void HostController::stopDemo(bool confirm) {
    if (!m_session || !m_session->endpoint().isLocal() || m_stopper || !m_page->canStopDemo()) return;
    if (confirm) {
        QMessageBox box(QMessageBox::Question, tr("Stop the demo?"), tr("Stop the demo on this computer?"),
                        QMessageBox::Cancel, m_window);
        box.setObjectName(QStringLiteral("stopDemoDialog"));
        // The ports of the config this computer runs (the panel holds it), not the demo's
        // defaults: the demo's may have been edited, or be another config altogether.
        const QList<int> ports = app::servedPorts(m_config->applied());
        const QString serving = ports.isEmpty() ? tr("nothing of the demo keeps serving")
                                : ports.size() == 1
                                    ? tr("nothing of the demo keeps serving (port %1)").arg(app::describePorts(ports))
                                    : tr("nothing of the demo keeps serving (ports %1)").arg(app::describePorts(ports));
        box.setInformativeText(tr("This stops Fulcrum's agent on this computer, its workers and the proxy, so %1."
                                  "\n\nNothing is deleted: Connect starts them again. To forget the demo as well, "
                                  "remove ~/.local/state/fulcrum afterwards.")
                                   .arg(serving));
        auto* stop = box.addButton(tr("Stop the demo"), QMessageBox::DestructiveRole);
        stop->setObjectName(QStringLiteral("confirmStopDemoButton"));
        box.setDefaultButton(QMessageBox::Cancel);
        box.exec();
        if (box.clickedButton() != stop) return;
    }
    auto* overview = m_page->overview();
    m_page->setSection(HostPage::Overview);
    m_page->setStoppingDemo(true);
    m_stopper = new app::LocalAgentStop(m_session, this);
    connect(m_stopper, &app::LocalAgentStop::progress, overview, [overview](const QString& text) {
        overview->banner()->showMessage(MessageBanner::Level::Info, tr("Stopping the demo…"), text);
    });
    connect(m_stopper, &app::LocalAgentStop::finished, this,
            [this, overview](bool ok, const QString& message, const QString& details) {
                if (ok) {
                    QStringList parts{tr("the agent")};
                    if (m_stopper->workerCount() > 0)
                        parts << (m_stopper->workerCount() == 1 ? tr("its worker") : tr("its %1 workers").arg(m_stopper->workerCount()));
                    if (m_stopper->hadProxy()) parts << tr("the proxy");
                    const bool one = parts.size() == 1;
                    const QString last = parts.takeLast();
                    const QString what = parts.isEmpty() ? last : parts.join(QStringLiteral(", ")) + tr(" and ") + last;
                    m_events->add(app::HostEvents::Level::Info, tr("The demo was stopped (%1)").arg(what),
                                  QDateTime::currentMSecsSinceEpoch());
                    overview->showInfo((one ? tr("The demo is stopped: %1 is no longer running.")
                                            : tr("The demo is stopped: %1 are no longer running."))
                                           .arg(what),
                                       tr("Nothing of it is left running on this computer. Connect starts it again; "
                                          "remove ~/.local/state/fulcrum to forget it."));
                } else {
                    overview->showError(message, details);
                }
                m_page->setStoppingDemo(false);
                m_stopper->deleteLater();
                m_stopper = nullptr;
                emit demoStopped(ok);
            });
    m_stopper->start();
}

void HostController::setPeerWorkers(std::function<QList<PeerWorkers>()> peers) { m_pools->setPeerWorkers(std::move(peers)); }

void HostController::deployAgent() {
    if (!m_session || m_session->endpoint().isLocal() || m_deployer) return;
    auto* overview = m_page->overview();
    m_page->setSection(HostPage::Overview);
    m_deployer = new app::AgentDeployer(m_session, {}, this);
    connect(m_deployer, &app::AgentDeployer::progress, overview, [overview](int percent, const QString& step) {
        overview->banner()->showMessage(MessageBanner::Level::Info, tr("Deploying the agent… %1%").arg(percent), step);
    });
    connect(m_deployer, &app::AgentDeployer::finished, this, [this, overview](bool ok, const QString& message) {
        if (ok) {
            overview->showInfo(tr("The agent is up to date."), message);
        } else {
            overview->showError(tr("The agent was not deployed."), message);
        }
        m_deployer->deleteLater();
        m_deployer = nullptr;
    });
    m_deployer->start();
}

void HostController::onStateChanged() {
    if (!m_session) return;
    // The sidebar puts the state's name first, so the detail is only what that name does not
    // say: the agent's version once connected, else the session's reason (why it failed, when
    // it retries) — never its whole sentence ("Not connected · Disconnected.").
    const auto& agent = m_session->agent();
    const bool connected = m_session->state() == app::HostSession::State::Connected;
    QString detail = connected && agent ? tr("agent %1").arg(QString::fromStdString(agent->agent_version))
                                        : m_session->reason();
    // The sidebar and status bar are where a failing proxy is seen from another host's page.
    if (connected && m_proxy && m_proxy->problem() && m_proxy->problem()->failing) detail += tr(" · proxy failing");
    m_window->setHostState(m_page->hostId(), toUi(m_session->state()), detail);
}

// The Overview's recent events, from what the sections already receive.
void HostController::watchEvents() {
    m_page->overview()->setEvents(m_events);
    m_page->overview()->setSeriesModel(m_traffic->model());
    const auto workers = [this] { m_events->noteWorkers(m_workers->model()->groups(), QDateTime::currentMSecsSinceEpoch()); };
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
        connect(m_workers->model(), signal, this, workers);
    }
    connect(m_workers->model(), &QAbstractItemModel::modelReset, this, workers);
    connect(m_workers->model(), &QAbstractItemModel::dataChanged, this, workers);
    connect(m_config, &app::StagedConfig::appliedChanged, this,
            [this] { m_events->noteConfigVersion(m_config->appliedVersion(), QDateTime::currentMSecsSinceEpoch()); });
    for (int i = 0; i < HostPage::SectionCount; ++i) {
        connect(m_page->page(i), &SectionPage::errorShown, this, [this](const QString& what) {
            m_events->add(app::HostEvents::Level::Error, what, QDateTime::currentMSecsSinceEpoch());
        });
    }
}

void HostController::onConnected() {
    // The first connection is where the events begin, not an event.
    if (!m_reconnectEvent.isEmpty())
        m_events->add(app::HostEvents::Level::Info, std::exchange(m_reconnectEvent, {}), QDateTime::currentMSecsSinceEpoch());
    if (m_demoEnabled && !m_demoDone) {
        runDemo();
        return;
    }
    loadAll();
}

void HostController::reload() {
    if (m_session && m_session->state() == app::HostSession::State::Connected) loadAll();
}

void HostController::loadAll() {
    for (HostPart* part : std::initializer_list<HostPart*>{m_overview, m_pools, m_workers, m_traffic, m_static, m_proxy})
        part->connected();
    emit loaded();
}

void HostController::onProxyChanged() {
    // Every place that shows the proxy's work says why it is missing, in the same words.
    const auto& problem = m_proxy->problem();
    m_overview->setProxy(m_proxy->status(), problem);
    const QString seeOverview = problem ? problem->title + QLatin1Char(' ') + tr("See Overview for what it said.") : QString();
    m_page->pools()->setProxyProblem(seeOverview, problem && problem->failing);
    m_traffic->setProxyProblem(problem ? (problem->failing ? tr("The proxy is failing: there is no traffic to count. "
                                                                "See Overview for what it said and what to do.")
                                                           : tr("Live, but the proxy is not running: there is no "
                                                                "traffic to count. See Overview."))
                                       : QString());
    onStateChanged();
}

void HostController::startProxyAgain() {
    m_overview->setProxyStarting(true);
    m_proxy->startAgain([this](const QString& error) {
        m_overview->setProxyStarting(false);
        if (!error.isEmpty()) m_page->overview()->showError(error, tr("Check the connection to the host, then try again."));
    });
}

void HostController::runDemo() {
    auto* overview = m_page->overview();
    QStringList searched;
    const QString dir = app::locateDemoDirectory(&searched);
    if (dir.isEmpty()) {
        m_demoDone = true;
        overview->showError(tr("The built-in demo was not found."),
                            tr("Looked in: %1. Set FULCRUM_DEMO_DIR to the demo's directory.").arg(searched.join(QStringLiteral(", "))));
        loadAll();
        return;
    }
    if (!m_demo) {
        m_demo = new app::DemoSetup(m_backend.get(), app::locateAgentBinary().path, app::defaultDemoPaths(dir), this);
        connect(m_demo, &app::DemoSetup::progress, overview, [overview](const QString& text) {
            overview->banner()->showMessage(MessageBanner::Level::Info, text);
        });
        connect(m_demo, &app::DemoSetup::failed, this, [this, overview](const QString& message, const QString& details) {
            m_demoDone = true;
            overview->showError(message, details);
            loadAll();
            emit demoReady(false);
        });
        connect(m_demo, &app::DemoSetup::finished, this, [this, overview](bool applied, qint64 version) {
            m_demoDone = true;
            if (applied) {
                overview->showInfo(tr("The demo is running on this computer."),
                                   tr("Configuration version %1: four waitress workers behind the proxy on "
                                      "http://127.0.0.1:8080 and https://127.0.0.1:8443. Try Traffic → Send test "
                                      "traffic.")
                                       .arg(version));
            } else {
                overview->banner()->hide();
            }
            loadAll();
            emit demoReady(applied);
        });
    }
    m_demo->start();
}

}  // namespace fulcrum::ui
