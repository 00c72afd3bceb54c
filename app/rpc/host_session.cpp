#include "app/rpc/host_session.h"

#include <QDeadlineTimer>

#include "app/rpc/ssh_session_worker.h"

#include <algorithm>

namespace fulcrum::app {
namespace {

QString seconds(std::chrono::milliseconds ms) {
    const double s = double(ms.count()) / 1000.0;
    return s == double(qint64(s)) ? QString::number(qint64(s)) : QString::number(s, 'f', 1);
}

}  // namespace

HostSession::HostSession(HostEndpoint endpoint, std::shared_ptr<AuthPrompter> prompter, SessionTimings timings, QObject* parent)
    : QObject(parent),
      m_endpoint(std::move(endpoint)),
      m_prompter(prompter ? std::move(prompter) : std::make_shared<NoPrompter>()),
      m_timings(timings),
      m_rpc(new RpcClient(this)) {
    m_statusText = QStringLiteral("Not connected.");
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &HostSession::startAttempt);
    connect(&m_heartbeatTimer, &QTimer::timeout, this, &HostSession::sendHeartbeat);
    // The heartbeat checks often and sends only after heartbeatInterval of silence.
    m_heartbeatTimer.setInterval(int(std::max<qint64>(100, m_timings.heartbeatInterval.count() / 4)));
}

HostSession::~HostSession() {
    m_wanted = false;
    m_rpc->setTransport(nullptr);
    delete m_transport;
    m_transport = nullptr;
    if (m_thread) {
        // An idle thread closes its connection in a moment (the worker's deleteLater on
        // finished). A busy one is not waited for: a job may be blocked on a host that stopped
        // answering (for the whole SSH timeout), and this runs on the GUI thread when a window
        // closes. Its transfer stops at the next chunk, and the thread deletes itself.
        m_cancelled->store(true);
        m_thread->quit();
        if (m_thread->wait(QDeadlineTimer(100))) {
            delete m_thread;
        } else {
            abandonedThreads().append(m_thread);
        }
        m_thread = nullptr;
    }
}

QList<QPointer<QThread>>& HostSession::abandonedThreads() {
    static QList<QPointer<QThread>> threads;  // GUI thread only, like every HostSession
    return threads;
}

void HostSession::finishAbandonedThreads(std::chrono::milliseconds limit) {
    const QDeadlineTimer deadline(limit);
    for (const QPointer<QThread>& thread : std::exchange(abandonedThreads(), {})) {
        if (thread) thread->wait(deadline);
    }
}

void HostSession::ensureSshThread() {
    if (m_thread) return;
    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("ssh:") + m_endpoint.ssh.alias);
    m_worker = new SshSessionWorker(m_prompter, m_cancelled);
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_thread, &QThread::finished, m_thread, &QObject::deleteLater);
    connect(m_worker, &SshSessionWorker::jobDone, this, [](const std::function<void()>& deliver) { deliver(); });
    connect(m_worker, &SshSessionWorker::connectionOpened, this, &HostSession::onSshOpened);
    connect(m_worker, &SshSessionWorker::connectionFailed, this, &HostSession::onSshFailed);
    m_thread->start();
}

void HostSession::postSshJob(std::function<std::function<void()>(SshConnection*)> job) {
    if (m_endpoint.isLocal()) {
        QMetaObject::invokeMethod(this, [job = std::move(job)] {
            if (auto deliver = job(nullptr)) deliver();
        }, Qt::QueuedConnection);
        return;
    }
    ensureSshThread();
    QMetaObject::invokeMethod(m_worker, [w = m_worker, job = std::move(job)] { w->runJob(job); });
}

void HostSession::setState(State state, const QString& text, const QString& reason) {
    if (state == m_state && text == m_statusText && reason == m_reason) return;
    m_state = state;
    m_statusText = text;
    m_reason = reason;
    emit stateChanged(state, text);
}

HostSession::State HostSession::idleState() const {
    if (m_deploying) return State::Deploying;
    if (m_rebooting) return State::Rebooting;
    return State::Connecting;
}

void HostSession::open() {
    if (m_wanted && (m_state == State::Connected || m_state == State::Connecting)) return;
    m_wanted = true;
    m_failures = 0;
    m_problem = Problem::None;
    m_retryTimer.stop();
    startAttempt();
}

void HostSession::close() {
    const bool wasConnected = m_state == State::Connected;
    m_wanted = false;
    m_retryTimer.stop();
    teardown();
    setState(State::Disconnected, QStringLiteral("Disconnected."));
    if (wasConnected) emit connectionLost(QStringLiteral("Disconnected."));
}

void HostSession::teardown() {
    ++m_generation;
    m_heartbeatTimer.stop();
    m_heartbeatInFlight = false;
    m_everConnected = false;
    m_transportOpened = false;
    m_rpc->setTransport(nullptr);  // fails what is still pending
    if (m_transport) {
        m_transport->disconnect(this);
        m_transport->close(QStringLiteral("Closed."));
        m_transport->deleteLater();
        m_transport = nullptr;
    }
    if (m_worker) QMetaObject::invokeMethod(m_worker, [w = m_worker] { w->closeConnection(); });
}

void HostSession::startAttempt() {
    if (!m_wanted) return;
    teardown();
    const QString attempt = m_failures > 0 ? QStringLiteral(" (attempt %1)").arg(m_failures + 1) : QString();
    // A retry keeps saying why the last attempt failed: an unreachable host would otherwise
    // flicker between its reason and a bare attempt number.
    const QString reason = m_failures > 0 ? QStringLiteral("%1 Trying again (attempt %2)…").arg(m_lastFailure).arg(m_failures + 1)
                                          : QString();
    setState(m_state == State::Unreachable && !m_rebooting && !m_deploying ? State::Unreachable : idleState(),
             QStringLiteral("Connecting to %1…%2").arg(displayName(), attempt), reason);
    if (m_endpoint.isLocal()) {
        startRpc(new LocalAgentTransport(m_endpoint.local, this));
        return;
    }
    ensureSshThread();
    const SshTarget target = m_endpoint.ssh;
    QMetaObject::invokeMethod(m_worker, [w = m_worker, target] { w->openConnection(target); });
}

void HostSession::onSshOpened() {
    if (!m_wanted || m_transport) return;
    m_lastSshError.reset();
    startRpc(new SshExecTransport(m_worker, displayName(), remoteCommand(), this));
}

// While rebooting, the default command first gives boot persistence a bounded grace to start
// the agent (`fulcrum-agent status` exits 0 once a daemon answers), then bridges as always:
// if nothing started it, the bridge does, and reboot-and-verify sees started_by "rpc". The
// loop runs in sh whatever the login shell is; a missing binary still ends in exit 127.
QByteArray HostSession::remoteCommand() const {
    if (!m_rebooting || m_endpoint.remoteRpcCommand != QByteArray(kDefaultRemoteRpcCommand))
        return m_endpoint.remoteRpcCommand;
    const auto grace = std::min(m_timings.bootGrace, m_timings.helloTimeout / 2);
    const qint64 rounds = grace.count() / 250;
    if (rounds <= 0) return m_endpoint.remoteRpcCommand;
    return QByteArrayLiteral("exec sh -c 'a=\"$HOME/.local/lib/fulcrum/fulcrum-agent\"; i=0; while [ $i -lt ") +
           QByteArray::number(rounds) +
           QByteArrayLiteral(" ] && ! \"$a\" status >/dev/null 2>&1; do sleep 0.25; i=$((i+1)); done; exec \"$a\" rpc'");
}

void HostSession::onSshFailed(const SshError& error) {
    if (!m_wanted || m_transport) return;
    m_lastSshError = error;
    switch (error.kind) {
    case SshError::Kind::HostKeyUnknown:
        failPermanently(Problem::HostKeyUnknown, error.message);
        return;
    case SshError::Kind::HostKeyChanged:
    case SshError::Kind::HostKeyRevoked:
        failPermanently(Problem::HostKeyChanged, error.message);
        return;
    case SshError::Kind::AuthFailed:
    case SshError::Kind::AuthCancelled:
        // Retrying a refused login would only lock the account sooner.
        failPermanently(Problem::AuthFailed, error.fullText());
        return;
    case SshError::Kind::Local:
    case SshError::Kind::UnsupportedHost:
        failPermanently(Problem::Local, error.fullText());
        return;
    default:
        scheduleRetry(error.fullText());
    }
}

void HostSession::startRpc(RpcTransport* transport) {
    m_transport = transport;
    connect(transport, &RpcTransport::opened, this, &HostSession::onTransportOpened);
    connect(transport, &RpcTransport::closed, this, &HostSession::onTransportClosed);
    connect(transport, &RpcTransport::received, this, [this] { m_lastActivity.restart(); });
    m_rpc->setTransport(transport);
    transport->open();
}

void HostSession::onTransportOpened() {
    const quint64 generation = m_generation;
    m_transportOpened = true;
    m_lastActivity.restart();
    protocol::HelloParams hello{"fulcrum", FULCRUM_VERSION, {}, {}};
    m_rpc->call<protocol::method::AgentHello>(
        hello, this,
        [this, generation](protocol::Outcome<protocol::HelloResult> outcome) {
            if (generation != m_generation) return;
            if (!outcome.ok()) {
                const auto& error = outcome.error();
                if (error.is(protocol::ErrorCode::IncompatibleVersion)) {
                    failPermanently(Problem::AgentIncompatible,
                                    QStringLiteral("The agent on %1 speaks another protocol version: %2 Upgrade it by deploying again.")
                                        .arg(displayName(), QString::fromStdString(error.message)));
                } else if (RpcClient::isTimeout(error) && m_transport) {
                    m_transport->close(QStringLiteral("The agent on %1 did not answer agent.hello within %2 s.")
                                           .arg(displayName(), seconds(m_timings.helloTimeout)));
                } else if (!RpcClient::isConnectionLost(error)) {
                    failPermanently(Problem::Local, QStringLiteral("The agent on %1 refused agent.hello: %2")
                                                        .arg(displayName(), QString::fromStdString(error.message)));
                }
                return;  // connection loss: onTransportClosed decides
            }
            m_agent = outcome.value();
            m_failures = 0;
            m_problem = Problem::None;
            m_everConnected = true;
            m_heartbeatTimer.start();
            setState(m_deploying ? State::Deploying : m_rebooting ? State::Rebooting : State::Connected, connectedText());
            emit connected(*m_agent);
        },
        m_timings.helloTimeout);
}

void HostSession::onTransportClosed(const QString& reason) {
    auto* transport = qobject_cast<RpcTransport*>(sender());
    if (transport != m_transport) return;
    const bool wasConnected = m_everConnected;
    int exitStatus = -1;
    if (auto* ssh = qobject_cast<SshExecTransport*>(transport)) exitStatus = ssh->lastExitStatus();
    teardown();
    if (wasConnected) emit connectionLost(reason);
    if (!m_wanted) return;
    if (!wasConnected && exitStatus == 127) {
        // The shell could not find the agent: it was never deployed here (or was removed).
        failPermanently(Problem::AgentMissing,
                        QStringLiteral("fulcrum-agent is not installed on %1 (~/.local/lib/fulcrum/fulcrum-agent was not "
                                       "found). Deploy it to manage this host.")
                            .arg(displayName()));
        return;
    }
    if (!wasConnected && m_endpoint.isLocal() && !m_transportOpened) {
        // The bundled agent could not even be started: retrying will not change that.
        failPermanently(Problem::Local, reason);
        return;
    }
    scheduleRetry(reason);
}

void HostSession::failPermanently(Problem problem, const QString& text) {
    m_problem = problem;
    m_retryTimer.stop();
    teardown();
    m_wanted = false;
    setState(State::Error, text, text);
}

void HostSession::scheduleRetry(const QString& reason) {
    ++m_failures;
    m_lastFailure = reason;
    if (!m_timings.reconnect && !m_rebooting) {
        m_problem = Problem::Network;
        m_wanted = false;
        setState(State::Unreachable, reason, reason);
        return;
    }
    m_problem = Problem::Network;
    const int exponent = std::min(m_failures - 1, 16);
    const auto delay = std::min<std::chrono::milliseconds>(m_timings.reconnectMax, m_timings.reconnectInitial * (qint64(1) << exponent));
    State state = idleState();
    if (state == State::Connecting && m_failures >= m_timings.unreachableAfterFailures) state = State::Unreachable;
    const QString text = QStringLiteral("%1 Retrying in %2 s.").arg(reason, seconds(delay));
    setState(state, text, text);
    m_retryTimer.start(int(delay.count()));
}

void HostSession::sendHeartbeat() {
    if (!m_everConnected) return;
    if (m_heartbeatInFlight || !m_lastActivity.isValid() || m_lastActivity.elapsed() < m_timings.heartbeatInterval.count()) return;
    m_heartbeatInFlight = true;
    const quint64 generation = m_generation;
    protocol::HelloParams hello{"fulcrum", FULCRUM_VERSION, {}, {}};
    m_rpc->call<protocol::method::AgentHello>(
        hello, this,
        [this, generation](protocol::Outcome<protocol::HelloResult> outcome) {
            if (generation != m_generation) return;
            m_heartbeatInFlight = false;
            if (outcome.ok()) {
                m_agent = outcome.value();
            } else if (RpcClient::isTimeout(outcome.error()) && m_transport) {
                m_transport->close(QStringLiteral("%1 did not answer the heartbeat within %2 s.")
                                       .arg(displayName(), seconds(m_timings.heartbeatTimeout)));
            }
        },
        m_timings.heartbeatTimeout);
}

QString HostSession::connectedText() const {
    return QStringLiteral("Connected to %1 (fulcrum-agent %2).")
        .arg(displayName(), m_agent ? QString::fromStdString(m_agent->agent_version) : QStringLiteral("?"));
}

void HostSession::setRebooting(bool rebooting) {
    m_rebooting = rebooting;
    if (rebooting && m_state != State::Connected) {
        if (!m_wanted) open();
        setState(State::Rebooting, m_statusText, m_reason);
    } else if (rebooting) {
        setState(State::Rebooting, QStringLiteral("%1 is rebooting.").arg(displayName()));
    } else if (m_state == State::Rebooting) {
        setState(m_everConnected ? State::Connected : State::Connecting, m_everConnected ? connectedText() : m_statusText,
                 m_everConnected ? QString() : m_reason);
    }
}

void HostSession::setDeploying(bool deploying) {
    m_deploying = deploying;
    if (deploying) {
        setState(State::Deploying, QStringLiteral("Deploying fulcrum-agent to %1…").arg(displayName()));
    } else if (m_state == State::Deploying) {
        setState(m_everConnected ? State::Connected : (m_wanted ? State::Connecting : State::Disconnected),
                 m_everConnected ? connectedText() : m_statusText, m_everConnected ? QString() : m_reason);
    }
}

}  // namespace fulcrum::app
