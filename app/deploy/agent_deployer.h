#pragma once
// Deploys or upgrades fulcrum-agent on the host of a HostSession, for the panel's progress bar
// and for `fulcrum-ctl deploy`:
//   1. installAgent() on the session's SSH thread (platform check, SFTP upload, SHA-256, rename);
//   2. connects through `rpc` (which starts the daemon if none runs) and says agent.hello;
//   3. when the running daemon is another version, agent.upgrade: the daemon re-executes the
//      new binary and adopts its workers and proxy, so nothing the host serves is stopped.

#include "app/deploy/agent_installer.h"
#include "app/rpc/host_session.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

namespace fulcrum::app {

class AgentDeployer : public QObject {
    Q_OBJECT
public:
    AgentDeployer(HostSession* session, InstallOptions options = {}, QObject* parent = nullptr);

    // Starts; emits progress() along the way and finished() exactly once.
    void start();
    bool isRunning() const { return m_running; }
    const InstallReport& report() const { return m_report; }

    // How long to wait for the agent to answer after installing or upgrading.
    void setConnectTimeout(std::chrono::milliseconds timeout) { m_connectTimeout = timeout; }

signals:
    void progress(int percent, const QString& step);
    void finished(bool ok, const QString& message);

private:
    void onInstalled(const std::variant<InstallReport, SshError>& result);
    void waitForAgent(const QString& step, std::function<void()> then);
    void checkVersion();
    void upgrade();
    void finish(bool ok, const QString& message);

    QPointer<HostSession> m_session;
    InstallOptions m_options;
    InstallReport m_report;
    bool m_running = false;
    bool m_upgradeTried = false;
    std::chrono::milliseconds m_connectTimeout{60000};
    QTimer m_watchdog;
    QMetaObject::Connection m_waitConnection;
    QMetaObject::Connection m_stateConnection;
};

}  // namespace fulcrum::app
