#pragma once
// Binds one host's HostSession to its HostPage: the sidebar and header follow the session's
// state, and on every (re)connection each section's controller loads its data. The host's
// one StagedConfig is shared by the sections that edit the config (Pools, Static & HTTPS).
// With the demo enabled ("This computer" under --demo), an agent without a config gets the
// built-in demo applied first.

#include "app/models/staged_config.h"
#include "ui/host/PeerWorkers.h"
#include "ui/host/RpcConfigBackend.h"

#include <functional>

#include <QObject>
#include <QPointer>
#include <memory>

namespace fulcrum::app {
class AgentDeployer;
class DemoSetup;
class HostEvents;
class LocalAgentStop;
class HostSession;
}  // namespace fulcrum::app

namespace fulcrum::ui {

class HostPage;
class MainWindow;
class OverviewController;
class PoolsController;
class ProxyWatch;
class RebootController;
class StaticController;
class TrafficController;
class WorkersController;

class HostController : public QObject {
    Q_OBJECT
public:
    // `session` is not owned and must outlive this controller (both usually share a parent).
    HostController(app::HostSession* session, HostPage* page, MainWindow* window, QObject* parent = nullptr);
    ~HostController() override;

    void enableDemo();
    // Stops the agent of "This computer" with its workers and proxy, after asking
    // (confirm=false: without asking, for tests); progress and the outcome on the Overview.
    void stopDemo(bool confirm = true);
    // Where the pool editor finds the other connected hosts' workers.
    void setPeerWorkers(std::function<QList<PeerWorkers>()> peers);
    // Uploads or upgrades the agent (Host → Update agent), progress on the Overview.
    void deployAgent();
    // Loads every section again (as after a reconnect).
    void reload();
    app::HostSession* session() const { return m_session; }
    app::StagedConfig* config() const { return m_config; }
    PoolsController* pools() const { return m_pools; }
    WorkersController* workers() const { return m_workers; }
    TrafficController* traffic() const { return m_traffic; }
    RebootController* reboot() const { return m_reboot; }
    app::HostEvents* events() const { return m_events; }

signals:
    // Every section has asked for its data after a connection (tests wait for this).
    void loaded();
    void demoReady(bool applied);
    // The demo's processes are all gone (ok) or the stop gave up (see the Overview's banner).
    void demoStopped(bool ok);

private:
    void onStateChanged();
    void onConnected();
    void loadAll();
    void onProxyChanged();
    void startProxyAgain();
    void runDemo();
    void watchEvents();

    QPointer<app::HostSession> m_session;
    HostPage* m_page;
    MainWindow* m_window;
    app::StagedConfig* m_config;
    std::unique_ptr<RpcConfigBackend> m_backend;
    OverviewController* m_overview;
    PoolsController* m_pools;
    WorkersController* m_workers;
    TrafficController* m_traffic;
    StaticController* m_static;
    RebootController* m_reboot;
    ProxyWatch* m_proxy = nullptr;
    app::HostEvents* m_events;
    QString m_reconnectEvent;  // what the next connection adds to the events: "Connected again" after a loss
    app::DemoSetup* m_demo = nullptr;
    app::AgentDeployer* m_deployer = nullptr;
    app::LocalAgentStop* m_stopper = nullptr;
    bool m_demoEnabled = false;
    bool m_demoDone = false;
};

}  // namespace fulcrum::ui
