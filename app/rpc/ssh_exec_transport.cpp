#include "app/rpc/ssh_exec_transport.h"

#include "app/rpc/ssh_session_worker.h"

namespace fulcrum::app {

SshExecTransport::SshExecTransport(SshSessionWorker* worker, QString peerName, QByteArray command, QObject* parent)
    : RpcTransport(parent), m_worker(worker), m_peerName(std::move(peerName)), m_command(std::move(command)) {
    // Queued: the worker emits on its own thread.
    m_connections << connect(worker, &SshSessionWorker::rpcOpened, this, [this] {
        if (!m_starting) return;
        m_starting = false;
        m_open = true;
        emit opened();
    });
    m_connections << connect(worker, &SshSessionWorker::rpcData, this, [this](const QByteArray& bytes) {
        if (m_open) emit received(bytes);
    });
    m_connections << connect(worker, &SshSessionWorker::rpcClosed, this,
                             [this](const QString& reason, int status, const QString& stderrTail) {
                                 if (!m_open && !m_starting) return;
                                 m_open = false;
                                 m_starting = false;
                                 m_exitStatus = status;
                                 m_stderr = stderrTail;
                                 QString text = reason;
                                 const QString tail = stderrTail.trimmed();
                                 if (!tail.isEmpty()) text += QStringLiteral(" It said: ") + tail.right(600);
                                 emit closed(text);
                             });
}

SshExecTransport::~SshExecTransport() {
    for (const auto& c : std::as_const(m_connections)) disconnect(c);
    if ((m_open || m_starting) && m_worker) {
        QMetaObject::invokeMethod(m_worker, [w = m_worker] { if (w) w->closeRpc(QStringLiteral("Closed.")); });
    }
}

void SshExecTransport::open() {
    if (m_open || m_starting) return;
    if (!m_worker) {
        QMetaObject::invokeMethod(this, [this] { emit closed(QStringLiteral("The SSH session has ended.")); },
                                  Qt::QueuedConnection);
        return;
    }
    m_starting = true;
    m_exitStatus = -1;
    m_stderr.clear();
    QMetaObject::invokeMethod(m_worker, [w = m_worker, command = m_command] {
        if (w) w->startRpc(command);
    });
}

void SshExecTransport::send(const QByteArray& bytes) {
    if (!m_open || !m_worker) return;
    QMetaObject::invokeMethod(m_worker, [w = m_worker, bytes] {
        if (w) w->writeRpc(bytes);
    });
}

void SshExecTransport::close(const QString& reason) {
    if ((!m_open && !m_starting) || !m_worker) return;
    QMetaObject::invokeMethod(m_worker, [w = m_worker, reason] {
        if (w) w->closeRpc(reason);
    });
}

}  // namespace fulcrum::app
