#include "app/rpc/ssh_session_worker.h"

#include <libssh/libssh.h>
#include <openssl/crypto.h>

namespace fulcrum::app {
namespace {
constexpr int kPollFallbackMs = 100;  // data libssh buffered while we wrote is not seen by the notifier
constexpr qsizetype kMaxBytesPerPump = 1024 * 1024;  // then yield to the event loop
}  // namespace

SshSessionWorker::SshSessionWorker(std::shared_ptr<AuthPrompter> prompter,
                                   std::shared_ptr<const std::atomic<bool>> cancelled, QObject* parent)
    : QObject(parent), m_prompter(std::move(prompter)), m_cancelled(std::move(cancelled)) {
    if (!m_prompter) m_prompter = std::make_shared<NoPrompter>();
}

SshSessionWorker::~SshSessionWorker() {
    closeConnection();
    // Runs on the session's thread as it finishes (deleteLater on QThread::finished), after its
    // last libssh call. OpenSSL would free this thread's random generators from a pthread key
    // destructor, but that runs only after QThread::wait() has returned (Qt wakes waiters
    // first), so a process that exits right after waiting (fulcrum-ctl) races exit()'s
    // OPENSSL_cleanup, which deletes that key: the generators leaked (LeakSanitizer, ~10 KB).
    // Freed here, they are gone before anyone's wait() returns.
    OPENSSL_thread_stop();
}

void SshSessionWorker::openConnection(const SshTarget& target) {
    closeConnection();
    m_target = target;
    m_connection = std::make_unique<SshConnection>();
    m_connection->setCancelFlag(m_cancelled);
    if (auto error = m_connection->open(target, *m_prompter)) {
        m_connection.reset();
        emit connectionFailed(*error);
        return;
    }
    if (target.keepaliveInterval.count() > 0) {
        m_keepaliveTimer = new QTimer(this);
        connect(m_keepaliveTimer, &QTimer::timeout, this, &SshSessionWorker::keepalive);
        m_keepaliveTimer->start(int(target.keepaliveInterval.count()));
    }
    emit connectionOpened(m_connection->authMethod());
}

void SshSessionWorker::closeConnection() {
    if (m_channel) finishRpc(QStringLiteral("The connection was closed."));
    delete m_keepaliveTimer;
    m_keepaliveTimer = nullptr;
    m_connection.reset();
}

void SshSessionWorker::keepalive() {
    // libssh sends no keepalives of its own; this keeps NAT and firewall state alive and
    // notices a session the server has already closed.
    if (m_connection && !m_connection->sendKeepalive()) {
        if (m_channel) finishRpc(QStringLiteral("The SSH connection to %1 was lost.").arg(m_target.displayName()));
    } else {
        pump();  // the keepalive reply may have carried channel data along
    }
}

void SshSessionWorker::startRpc(const QByteArray& command) {
    if (m_channel) finishRpc(QStringLiteral("Restarted."));
    m_stderr.clear();
    if (!m_connection || !m_connection->isOpen()) {
        emit rpcClosed(QStringLiteral("Not connected to %1.").arg(m_target.displayName()), -1, {});
        return;
    }
    SshError error;
    m_channel = m_connection->openExecChannel(command, &error);
    if (!m_channel) {
        emit rpcClosed(error.fullText(), -1, {});
        return;
    }
    const int fd = m_connection->socketDescriptor();
    if (fd >= 0) {
        m_notifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &SshSessionWorker::pump);
    }
    m_pollTimer = new QTimer(this);
    connect(m_pollTimer, &QTimer::timeout, this, &SshSessionWorker::pump);
    m_pollTimer->start(kPollFallbackMs);
    emit rpcOpened();
    pump();
}

void SshSessionWorker::writeRpc(const QByteArray& bytes) {
    if (!m_channel) return;
    for (qsizetype sent = 0; sent < bytes.size();) {
        // Blocking write: bounded by the session timeout when the agent stops reading.
        const int n = ssh_channel_write(m_channel, bytes.constData() + sent,
                                        uint32_t(std::min<qsizetype>(bytes.size() - sent, 32768)));
        if (n <= 0) {
            finishRpc(QStringLiteral("Sending to the agent on %1 failed: %2")
                          .arg(m_target.displayName(), m_connection ? m_connection->lastLibraryError() : QString()));
            return;
        }
        sent += n;
    }
    pump();
}

void SshSessionWorker::pump() {
    if (!m_channel) return;
    char buffer[16384];
    qsizetype total = 0;
    for (;;) {
        bool got = false;
        const int n = ssh_channel_read_nonblocking(m_channel, buffer, sizeof buffer, 0);
        if (n == SSH_ERROR) {
            finishRpc(QStringLiteral("The SSH connection to %1 was lost.").arg(m_target.displayName()));
            return;
        }
        if (n > 0) {
            got = true;
            total += n;
            emit rpcData(QByteArray(buffer, n));
        }
        const int e = ssh_channel_read_nonblocking(m_channel, buffer, sizeof buffer, 1);
        if (e > 0) {
            got = true;
            m_stderr.append(buffer, e);
            if (m_stderr.size() > kMaxStderrBytes) m_stderr = m_stderr.right(kMaxStderrBytes);
        }
        if (!got || total > kMaxBytesPerPump) break;
    }
    if (ssh_channel_is_eof(m_channel) || ssh_channel_is_closed(m_channel) ||
        (m_connection && !m_connection->isOpen())) {
        finishRpc({});
    }
}

void SshSessionWorker::closeRpc(const QString& reason) {
    if (m_channel) finishRpc(reason);
}

void SshSessionWorker::finishRpc(const QString& givenReason) {
    if (!m_channel) return;
    ssh_channel channel = m_channel;
    m_channel = nullptr;
    delete m_notifier;
    m_notifier = nullptr;
    delete m_pollTimer;
    m_pollTimer = nullptr;
    int status = -1;
    const bool alive = m_connection && m_connection->isOpen();
    if (alive && (ssh_channel_is_eof(channel) || ssh_channel_is_closed(channel))) {
        status = ssh_channel_get_exit_status(channel);
    }
    if (alive) ssh_channel_close(channel);
    ssh_channel_free(channel);
    QString reason = givenReason;
    if (reason.isEmpty()) {
        reason = alive ? (status >= 0 ? QStringLiteral("The agent on %1 exited with status %2.").arg(m_target.displayName()).arg(status)
                                      : QStringLiteral("The agent on %1 stopped.").arg(m_target.displayName()))
                       : QStringLiteral("The SSH connection to %1 was lost.").arg(m_target.displayName());
    }
    emit rpcClosed(reason, status, QString::fromUtf8(m_stderr));
}

void SshSessionWorker::runJob(const std::function<std::function<void()>(SshConnection*)>& job) {
    std::function<void()> deliver = job(m_connection && m_connection->isOpen() ? m_connection.get() : nullptr);
    if (deliver) emit jobDone(deliver);
    pump();
}

}  // namespace fulcrum::app
