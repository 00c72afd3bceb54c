#include "app/deploy/agent_deployer.h"

namespace fulcrum::app {

AgentDeployer::AgentDeployer(HostSession* session, InstallOptions options, QObject* parent)
    : QObject(parent), m_session(session), m_options(std::move(options)) {
    m_watchdog.setSingleShot(true);
    if (m_options.hostName.isEmpty() && session) m_options.hostName = session->displayName();
}

void AgentDeployer::start() {
    if (m_running) return;
    m_running = true;
    m_upgradeTried = false;
    if (!m_session) {
        finish(false, QStringLiteral("The host session is gone."));
        return;
    }
    if (m_session->endpoint().isLocal()) {
        // This computer runs the bundled agent directly; nothing to copy.
        emit progress(50, QStringLiteral("Starting the bundled agent"));
        waitForAgent(QStringLiteral("Starting the bundled agent"), [this] { checkVersion(); });
        return;
    }
    m_session->setDeploying(true);
    emit progress(0, QStringLiteral("Connecting"));
    const SshTarget target = m_session->endpoint().ssh;
    const auto prompter = m_session->prompter();
    const InstallOptions options = m_options;
    const auto cancelled = m_session->cancelFlag();
    QPointer<AgentDeployer> self(this);
    // Progress is posted to this relay, which lives on this thread until the job lets go of
    // it: neither the deployer nor the session is waited for when its window closes, so the
    // job must not post to them directly.
    std::shared_ptr<QObject> relay(new QObject, [](QObject* object) { object->deleteLater(); });
    m_session->runOnSsh<std::variant<InstallReport, SshError>>(
        [target, prompter, options, cancelled, self, relay](SshConnection* existing) -> std::variant<InstallReport, SshError> {
            // The session's own connection when it has one; otherwise (agent missing, host
            // key just confirmed) a connection of the job's own, on this same thread.
            SshConnection own;
            own.setCancelFlag(cancelled);
            SshConnection* connection = existing;
            if (!connection) {
                if (auto error = own.open(target, *prompter)) return *error;
                connection = &own;
            }
            return installAgent(*connection, options, [self, relay](int percent, const QString& step) {
                QMetaObject::invokeMethod(relay.get(), [self, percent, step] {
                    if (self) emit self->progress(percent * 80 / 100, step);
                }, Qt::QueuedConnection);
            });
        },
        this, [this](std::variant<InstallReport, SshError> result) { onInstalled(result); });
}

void AgentDeployer::onInstalled(const std::variant<InstallReport, SshError>& result) {
    if (!m_session) return finish(false, QStringLiteral("The host session is gone."));
    if (const auto* error = std::get_if<SshError>(&result)) return finish(false, error->fullText());
    m_report = std::get<InstallReport>(result);
    emit progress(82, m_report.uploaded ? QStringLiteral("Starting fulcrum-agent %1").arg(m_report.installedVersion)
                                        : QStringLiteral("Agent already installed; connecting"));
    waitForAgent(QStringLiteral("Starting the agent"), [this] { checkVersion(); });
}

void AgentDeployer::waitForAgent(const QString& step, std::function<void()> then) {
    if (m_session->state() == HostSession::State::Connected ||
        (m_session->agent() && m_session->rpc()->isOpen() &&
         (m_session->state() == HostSession::State::Deploying || m_session->state() == HostSession::State::Rebooting))) {
        then();
        return;
    }
    disconnect(m_waitConnection);
    disconnect(m_stateConnection);
    m_waitConnection = connect(m_session, &HostSession::connected, this, [this, then] {
        disconnect(m_waitConnection);
        disconnect(m_stateConnection);
        m_watchdog.stop();
        then();
    });
    m_stateConnection = connect(m_session, &HostSession::stateChanged, this, [this](HostSession::State state, const QString& text) {
        if (state == HostSession::State::Error) finish(false, text);
    });
    m_watchdog.disconnect();
    connect(&m_watchdog, &QTimer::timeout, this, [this, step] {
        finish(false, QStringLiteral("%1: the agent did not answer within %2 s (%3).")
                          .arg(step)
                          .arg(m_connectTimeout.count() / 1000)
                          .arg(m_session ? m_session->statusText() : QString()));
    });
    m_watchdog.start(int(m_connectTimeout.count()));
    m_session->open();
}

void AgentDeployer::checkVersion() {
    if (!m_session || !m_session->agent()) return finish(false, QStringLiteral("The agent did not answer."));
    const QString running = QString::fromStdString(m_session->agent()->agent_version);
    const QString wanted = m_session->endpoint().isLocal() ? QStringLiteral(FULCRUM_VERSION) : m_report.installedVersion;
    if (wanted.isEmpty() || running == wanted || m_session->endpoint().isLocal()) {
        emit progress(100, QStringLiteral("Done"));
        return finish(true, QStringLiteral("fulcrum-agent %1 is running on %2.").arg(running, m_session->displayName()));
    }
    if (m_upgradeTried) {
        return finish(false, QStringLiteral("The agent on %1 still runs version %2 after the upgrade to %3.")
                                 .arg(m_session->displayName(), running, wanted));
    }
    upgrade();
}

void AgentDeployer::upgrade() {
    m_upgradeTried = true;
    const QString running = QString::fromStdString(m_session->agent()->agent_version);
    emit progress(88, QStringLiteral("Upgrading the running agent from %1 to %2").arg(running, m_report.installedVersion));
    protocol::AgentUpgradeParams params{m_report.remotePath.toStdString(), m_report.sha256.toStdString()};
    m_session->rpc()->call<protocol::method::AgentUpgrade>(
        params, this, [this, running](protocol::Outcome<protocol::AgentUpgradeResult> outcome) {
            if (!m_session) return finish(false, QStringLiteral("The host session is gone."));
            if (!outcome.ok()) {
                const auto& error = outcome.error();
                if (error.is(protocol::ErrorCode::MethodNotFound)) {
                    emit progress(100, QStringLiteral("Done"));
                    return finish(true, QStringLiteral("fulcrum-agent %1 is installed on %2, but the running agent (%3) cannot "
                                                       "switch without a restart; it will run %1 after its next restart. "
                                                       "Workers were not touched.")
                                            .arg(m_report.installedVersion, m_session->displayName(), running));
                }
                if (!RpcClient::isConnectionLost(error)) {
                    return finish(false, QStringLiteral("The agent on %1 refused the upgrade: %2")
                                             .arg(m_session->displayName(), QString::fromStdString(error.message)));
                }
                // The daemon may have re-executed before answering: the reconnect tells.
            }
            emit progress(94, QStringLiteral("Waiting for the upgraded agent"));
            // The daemon re-executes: the connection drops and the session reconnects.
            auto reconnected = std::make_shared<QMetaObject::Connection>();
            *reconnected = connect(m_session, &HostSession::connected, this, [this, reconnected] {
                disconnect(*reconnected);
                m_watchdog.stop();
                checkVersion();
            });
            m_watchdog.disconnect();
            connect(&m_watchdog, &QTimer::timeout, this, [this, reconnected] {
                disconnect(*reconnected);
                finish(false, QStringLiteral("The upgraded agent on %1 did not come back within %2 s.")
                                  .arg(m_session ? m_session->displayName() : QString())
                                  .arg(m_connectTimeout.count() / 1000));
            });
            m_watchdog.start(int(m_connectTimeout.count()));
        });
}

void AgentDeployer::finish(bool ok, const QString& message) {
    if (!m_running) return;
    m_running = false;
    m_watchdog.stop();
    disconnect(m_waitConnection);
    disconnect(m_stateConnection);
    if (m_session) m_session->setDeploying(false);
    emit finished(ok, message);
}

}  // namespace fulcrum::app
