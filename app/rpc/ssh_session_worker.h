#pragma once
// The SSH side of one HostSession, living on the session's own thread: libssh sessions are not
// thread-safe, so everything that touches the SshConnection happens here, one thing at a time.
// Talks to the GUI thread only through queued signals and invokeMethod.
//
// It opens the connection (blocking, bounded by the target's timeout), runs the agent's `rpc`
// bridge on an exec channel and pumps its bytes, sends SSH keepalives, and runs blocking jobs
// (deploy: exec, SFTP) on the same connection.

#include "app/ssh/auth_prompter.h"
#include "app/ssh/ssh_connection.h"
#include "app/ssh/ssh_error.h"
#include "app/ssh/ssh_target.h"

#include <QByteArray>
#include <QObject>
#include <QSocketNotifier>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

namespace fulcrum::app {

class SshSessionWorker : public QObject {
    Q_OBJECT
public:
    // `cancelled` is set by the session when it goes away: a running job's transfer stops.
    SshSessionWorker(std::shared_ptr<AuthPrompter> prompter, std::shared_ptr<const std::atomic<bool>> cancelled,
                     QObject* parent = nullptr);
    ~SshSessionWorker() override;

    // All of these run on the worker's thread (call them through QMetaObject::invokeMethod).
    void openConnection(const fulcrum::app::SshTarget& target);
    void closeConnection();
    void startRpc(const QByteArray& command);
    void writeRpc(const QByteArray& bytes);
    void closeRpc(const QString& reason);
    // Runs a blocking job with the open connection (nullptr when none is open); what the job
    // returns is handed back through jobDone, to be run on the session's thread.
    void runJob(const std::function<std::function<void()>(fulcrum::app::SshConnection*)>& job);

    static constexpr qsizetype kMaxStderrBytes = 8 * 1024;

signals:
    void connectionOpened(const QString& authMethod);
    void connectionFailed(const fulcrum::app::SshError& error);
    void rpcOpened();
    void rpcData(const QByteArray& bytes);
    // exitStatus -1 when unknown (connection lost, killed by a signal).
    void rpcClosed(const QString& reason, int exitStatus, const QString& stderrTail);
    // A job finished; `deliver` hands its result over. Queued to the session, so a session
    // deleted meanwhile simply never gets it (Qt drops events of a deleted receiver).
    void jobDone(const std::function<void()>& deliver);

private:
    void pump();
    void finishRpc(const QString& reason);
    void keepalive();

    std::shared_ptr<AuthPrompter> m_prompter;
    std::shared_ptr<const std::atomic<bool>> m_cancelled;
    std::unique_ptr<SshConnection> m_connection;
    SshTarget m_target;
    ssh_channel_struct* m_channel = nullptr;
    QSocketNotifier* m_notifier = nullptr;
    QTimer* m_pollTimer = nullptr;
    QTimer* m_keepaliveTimer = nullptr;
    QByteArray m_stderr;
};

}  // namespace fulcrum::app
