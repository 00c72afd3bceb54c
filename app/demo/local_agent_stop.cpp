#include "app/demo/local_agent_stop.h"

#include "app/rpc/host_session.h"
#include "app/rpc/rpc_client.h"

#include <QDateTime>
#include <QFile>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace fulcrum::app {

namespace {

// A zombie has finished; only its parent's wait is missing, which is not ours to do.
bool alive(qint64 pid) {
    if (pid <= 0) return false;
    if (::kill(pid_t(pid), 0) != 0 && errno != EPERM) return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) return true;
    const QByteArray line = stat.read(512);
    // "pid (comm) S …": the state follows the last ')', as comm may hold one.
    const qsizetype close = line.lastIndexOf(')');
    return close < 0 || close + 2 >= line.size() || line[close + 2] != 'Z';
}

}  // namespace

LocalAgentStop::LocalAgentStop(HostSession* session, QObject* parent) : QObject(parent), m_session(session) {
    m_poll.setInterval(200);
    connect(&m_poll, &QTimer::timeout, this, &LocalAgentStop::watch);
}

void LocalAgentStop::start() {
    if (!m_session->endpoint().isLocal() || m_session->state() != HostSession::State::Connected ||
        !m_session->agent() || m_session->agent()->daemon_pid <= 0) {
        fail(tr("The agent was not stopped."), tr("Fulcrum is not connected to the agent on this computer. Connect, then "
                                                  "try again."));
        return;
    }
    m_daemonPid = m_session->agent()->daemon_pid;
    m_pids = {m_daemonPid};
    emit progress(tr("Asking the agent what it runs…"), 1, 1);
    listWorkers();
}

void LocalAgentStop::listWorkers() {
    m_session->rpc()->call<protocol::method::WorkersList>({}, this, [this](protocol::Outcome<protocol::WorkersListResult> result) {
        // Without the list the daemon is still stopped; its own stop takes the workers along,
        // only the watch is shorter.
        if (result) {
            for (const auto& group : result.value().groups) {
                for (const auto& instance : group.instances) {
                    if (instance.pid > 0) {
                        m_pids.append(instance.pid);
                        ++m_workers;
                    }
                }
            }
        }
        askProxy();
    });
}

void LocalAgentStop::askProxy() {
    m_session->rpc()->call<protocol::method::ProxyStatusGet>({}, this, [this](protocol::Outcome<protocol::ProxyStatus> result) {
        if (result && result.value().running && result.value().pid > 0) {
            m_pids.append(result.value().pid);
            m_proxy = true;
        }
        signalDaemon();
    });
}

void LocalAgentStop::signalDaemon() {
    // The panel's connection would start a new daemon as soon as this one is gone.
    m_session->close();
    if (::kill(pid_t(m_daemonPid), SIGTERM) != 0 && errno != ESRCH) {
        fail(tr("The agent was not stopped."),
             tr("Sending it SIGTERM failed: %1. Stop it yourself with `pkill -u \"$USER\" -x fulcrum-agent`.")
                 .arg(QString::fromLocal8Bit(strerror(errno))));
        return;
    }
    m_startedMs = QDateTime::currentMSecsSinceEpoch();
    watch();
    if (!m_done) m_poll.start();
}

void LocalAgentStop::watch() {
    QList<qint64> left;
    for (qint64 pid : std::as_const(m_pids)) {
        if (alive(pid)) left.append(pid);
    }
    const int total = int(m_pids.size());
    if (left.isEmpty()) {
        m_poll.stop();
        m_done = true;
        emit progress(tr("Everything is stopped."), 0, total);
        emit finished(true, {}, {});
        return;
    }
    const bool agentLeft = left.contains(m_daemonPid);
    const int othersLeft = int(left.size()) - (agentLeft ? 1 : 0);
    QString text;
    if (othersLeft > 0) {
        text = othersLeft == 1 ? tr("Stopping the workers and the proxy… 1 process still running")
                               : tr("Stopping the workers and the proxy… %1 processes still running").arg(othersLeft);
    } else {
        text = tr("Waiting for the agent to exit…");
    }
    emit progress(text, int(left.size()), total);
    if (QDateTime::currentMSecsSinceEpoch() - m_startedMs > m_timeoutMs) {
        QStringList pids;
        for (qint64 pid : left) pids << QString::number(pid);
        fail(tr("Not everything stopped within %1 s.").arg(m_timeoutMs / 1000),
             tr("Still running: pid %1. They may just be slow to stop; if they stay, `kill %1` ends them.")
                 .arg(pids.join(QLatin1Char(' '))));
    }
}

void LocalAgentStop::fail(const QString& message, const QString& details) {
    m_poll.stop();
    m_done = true;
    emit finished(false, message, details);
}

}  // namespace fulcrum::app
