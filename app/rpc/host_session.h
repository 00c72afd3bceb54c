#pragma once
// One host's connection, as the panel and fulcrum-ctl see it: connects (SSH on a thread of its
// own, or the local agent child), says agent.hello, keeps the link alive with its own
// heartbeat, and reconnects with backoff when it drops. The RpcClient it exposes stays the
// same object across reconnects; calls in flight when a connection drops fail (never re-sent).
//
// Lives in the GUI (or ctl main) thread. The AuthPrompter is called on the SSH thread and may
// block there until the user answers.

#include "app/rpc/host_endpoint.h"
#include "app/rpc/rpc_client.h"
#include "app/ssh/auth_prompter.h"
#include "app/ssh/ssh_connection.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace fulcrum::app {

class SshSessionWorker;

class HostSession : public QObject {
    Q_OBJECT
public:
    enum class State {
        Disconnected,  // not wanted (before open(), after close())
        Connecting,    // an attempt or a retry is under way
        Connected,     // agent.hello answered; rpc() is usable
        Deploying,     // the agent is being uploaded or upgraded (setDeploying)
        Rebooting,     // reboot-and-verify expects the host to go away (setRebooting)
        Unreachable,   // several attempts failed; still retrying with backoff
        Error,         // stopped: needs the user (host key, login, agent missing/incompatible)
    };
    Q_ENUM(State)

    // What kind of problem stopped the session, so the UI can offer the right action.
    enum class Problem {
        None,
        HostKeyUnknown,     // confirm lastSshError()->hostKey, then open() again
        HostKeyChanged,     // refused; the text says what to check and how to remove the old key
        AuthFailed,         // login refused or cancelled
        AgentMissing,       // fulcrum-agent is not installed on the host: deploy it
        AgentIncompatible,  // protocol major differs: upgrade (deploy) it
        Local,              // a problem on this computer (agent binary missing, ...)
        Network,            // only while retrying
    };
    Q_ENUM(Problem)

    explicit HostSession(HostEndpoint endpoint, std::shared_ptr<AuthPrompter> prompter = {}, SessionTimings timings = {},
                         QObject* parent = nullptr);
    ~HostSession() override;

    void open();   // start connecting (no-op when already connecting or connected)
    void close();  // disconnect and stop retrying: Disconnected

    State state() const { return m_state; }
    QString statusText() const { return m_statusText; }  // plain language, for the status line
    // What statusText says beyond the state's own name: why it failed, when it retries, which
    // attempt this is. Empty when the state says it all ("Connecting to web1…"), so a UI that
    // shows the state's name beside it never says the same thing twice.
    QString reason() const { return m_reason; }
    Problem problem() const { return m_problem; }
    const std::optional<SshError>& lastSshError() const { return m_lastSshError; }
    // The agent's hello answer of the current (or last) connection.
    const std::optional<protocol::HelloResult>& agent() const { return m_agent; }
    const HostEndpoint& endpoint() const { return m_endpoint; }
    QString displayName() const { return m_endpoint.displayName(); }
    RpcClient* rpc() const { return m_rpc; }
    // Asks for passphrases, passwords and host key confirmation (on the SSH thread).
    const std::shared_ptr<AuthPrompter>& prompter() const { return m_prompter; }
    int failedAttempts() const { return m_failures; }

    // Reboot-and-verify: while on, losing the connection is expected (state Rebooting) and
    // reconnecting goes on until it is turned off.
    void setRebooting(bool rebooting);
    bool isRebooting() const { return m_rebooting; }
    // Deploy: shows Deploying while the agent is uploaded; off returns to the real state.
    void setDeploying(bool deploying);

    // Runs `job` on the SSH thread with the open connection (nullptr when there is none, or
    // for "This computer"), then `done(result)` on this object's thread unless `context` is
    // gone by then. For deploy and one-off commands.
    //
    // Deleting the session never waits for a running job: its transfer is told to stop (at
    // the next chunk), the SSH thread ends on its own, and the result is never delivered.
    template <class R>
    void runOnSsh(std::function<R(SshConnection*)> job, QObject* context, std::function<void(R)> done) {
        QPointer<QObject> guard(context);
        const bool guarded = context != nullptr;
        postSshJob([job = std::move(job), guard, guarded, done = std::move(done)](SshConnection* connection) {
            // Runs on the SSH thread; what it returns runs on this object's thread.
            return std::function<void()>([guard, guarded, done, result = job(connection)] {
                if (guarded && !guard) return;
                done(result);
            });
        });
    }

    // Set once the session is deleted: a job's own connections take it too, so their
    // transfers stop (SshConnection::setCancelFlag).
    std::shared_ptr<const std::atomic<bool>> cancelFlag() const { return m_cancelled; }

    // At the end of main(), after the windows closed: gives the SSH threads of deleted
    // sessions up to `limit` to close their connections, so the process does not exit (and
    // unload libssh) under a thread still using it.
    static void finishAbandonedThreads(std::chrono::milliseconds limit);

signals:
    void stateChanged(fulcrum::app::HostSession::State state, const QString& text);
    // agent.hello answered on a new connection (also after every reconnect).
    void connected(const fulcrum::protocol::HelloResult& agent);
    // A connection that had been established was lost (or closed).
    void connectionLost(const QString& reason);

private:
    void startAttempt();
    void onSshOpened();
    QByteArray remoteCommand() const;
    void onSshFailed(const SshError& error);
    void startRpc(RpcTransport* transport);
    void onTransportOpened();
    void onTransportClosed(const QString& reason);
    void failPermanently(Problem problem, const QString& text);
    void scheduleRetry(const QString& reason);
    void teardown();
    void sendHeartbeat();
    void setState(State state, const QString& text, const QString& reason = {});
    State idleState() const;
    QString connectedText() const;
    void postSshJob(std::function<std::function<void()>(SshConnection*)> job);
    void ensureSshThread();
    static QList<QPointer<QThread>>& abandonedThreads();

    HostEndpoint m_endpoint;
    std::shared_ptr<AuthPrompter> m_prompter;
    SessionTimings m_timings;
    RpcClient* m_rpc = nullptr;
    RpcTransport* m_transport = nullptr;
    QThread* m_thread = nullptr;  // deletes itself once finished (see ~HostSession)
    SshSessionWorker* m_worker = nullptr;
    std::shared_ptr<std::atomic<bool>> m_cancelled = std::make_shared<std::atomic<bool>>(false);

    State m_state = State::Disconnected;
    QString m_statusText;
    QString m_reason;
    QString m_lastFailure;  // the last failed attempt's reason, while retrying
    Problem m_problem = Problem::None;
    std::optional<SshError> m_lastSshError;
    std::optional<protocol::HelloResult> m_agent;
    bool m_wanted = false;
    bool m_rebooting = false;
    bool m_deploying = false;
    bool m_everConnected = false;  // on this connection
    bool m_transportOpened = false;
    int m_failures = 0;
    quint64 m_generation = 0;  // bumped per attempt; late answers of old attempts are ignored
    QTimer m_retryTimer;
    QTimer m_heartbeatTimer;
    bool m_heartbeatInFlight = false;
    QElapsedTimer m_lastActivity;
};

}  // namespace fulcrum::app
