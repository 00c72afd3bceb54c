#include "app/rpc/local_agent_transport.h"

#include "app/rpc/agent_locator.h"

#include <QTimer>

#include <unistd.h>

namespace fulcrum::app {

LocalAgentTransport::LocalAgentTransport(LocalAgentOptions options, QObject* parent)
    : RpcTransport(parent), m_options(std::move(options)) {}

LocalAgentTransport::~LocalAgentTransport() {
    if (m_process) {
        m_process->disconnect(this);
        // Closing stdin ends the bridge (the daemon it started keeps running, by design).
        m_process->closeWriteChannel();
        if (!m_process->waitForFinished(2000)) {
            m_process->kill();
            m_process->waitForFinished(2000);
        }
    }
}

bool LocalAgentTransport::isOpen() const { return m_open; }

void LocalAgentTransport::open() {
    if (m_process) return;
    QString agent = m_options.agentPath;
    if (agent.isEmpty()) {
        const AgentBinary found = locateAgentBinary();
        if (found.path.isEmpty()) {
            QMetaObject::invokeMethod(this, [this, text = found.errorText()] { emit closed(text); }, Qt::QueuedConnection);
            return;
        }
        agent = found.path;
    }
    QStringList arguments{QStringLiteral("rpc")};
    if (!m_options.stateDir.isEmpty()) arguments << QStringLiteral("--state-dir") << m_options.stateDir;
    if (m_options.allowRootWhenRoot && ::geteuid() == 0) arguments << QStringLiteral("--allow-root");

    m_stderr.clear();
    m_closeReason.clear();
    m_process = new QProcess(this);
    m_process->setProcessEnvironment(m_options.environment);
    m_process->setProgram(agent);
    m_process->setArguments(arguments);
    connect(m_process, &QProcess::started, this, [this] {
        m_open = true;
        emit opened();
    });
    connect(m_process, &QProcess::readyReadStandardOutput, this, [this] {
        const QByteArray bytes = m_process->readAllStandardOutput();
        if (!bytes.isEmpty()) emit received(bytes);
    });
    connect(m_process, &QProcess::readyReadStandardError, this, &LocalAgentTransport::onStderr);
    connect(m_process, &QProcess::errorOccurred, this, [this, agent](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            finish(QStringLiteral("Could not start %1: %2").arg(agent, m_process->errorString()));
        }
    });
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        onStderr();
        const QByteArray rest = m_process->readAllStandardOutput();
        if (!rest.isEmpty()) emit received(rest);
        QString reason = m_closeReason;
        if (reason.isEmpty()) {
            reason = status == QProcess::CrashExit
                         ? QStringLiteral("The local agent bridge crashed.")
                         : QStringLiteral("The local agent bridge exited with status %1.").arg(code);
            const QString tail = stderrTail().trimmed();
            if (!tail.isEmpty()) reason += QStringLiteral(" It said: ") + tail.right(600);
        }
        finish(reason);
    });
    m_process->start(QIODevice::ReadWrite | QIODevice::Unbuffered);
}

void LocalAgentTransport::onStderr() {
    if (!m_process) return;
    m_stderr += m_process->readAllStandardError();
    if (m_stderr.size() > kMaxStderrBytes) m_stderr = m_stderr.right(kMaxStderrBytes);
}

void LocalAgentTransport::send(const QByteArray& bytes) {
    if (m_open && m_process) m_process->write(bytes);
}

void LocalAgentTransport::close(const QString& reason) {
    if (!m_process) return;
    m_closeReason = reason;
    m_process->closeWriteChannel();
    // The bridge exits on EOF; if it does not, it is killed so close() is bounded.
    QProcess* process = m_process;
    QTimer::singleShot(2000, process, [process] { process->kill(); });
}

void LocalAgentTransport::finish(const QString& reason) {
    if (!m_process) return;
    QProcess* process = m_process;
    m_process = nullptr;
    m_open = false;
    process->disconnect(this);
    process->deleteLater();
    emit closed(reason);
}

}  // namespace fulcrum::app
