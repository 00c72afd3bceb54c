#pragma once
// Stops the agent of "This computer" and everything it runs, for a person done with the demo:
// asks the agent which processes are its own (the daemon, each worker, the proxy), closes the
// panel's connection so it does not start the agent again, sends the daemon SIGTERM (its
// orderly stop takes the proxy and the workers down, each within its stop grace) and watches
// those processes until none is left. Nothing is deleted: connecting again starts them again.
// Local hosts only: a pid means nothing on another machine.

#include <QList>
#include <QObject>
#include <QTimer>

namespace fulcrum::app {

class HostSession;

class LocalAgentStop : public QObject {
    Q_OBJECT
public:
    // `session` is not owned; it must be the connected session of a local endpoint.
    LocalAgentStop(HostSession* session, QObject* parent = nullptr);

    void start();
    // How long the processes may take before the stop is reported as incomplete (workers
    // get their stop_grace_ms, 10 s by default, before the agent kills them).
    void setTimeout(int msecs) { m_timeoutMs = msecs; }

    int workerCount() const { return m_workers; }
    bool hadProxy() const { return m_proxy; }

signals:
    // `running` of `total` processes are still alive; `text` says which part is left.
    void progress(const QString& text, int running, int total);
    // ok: every process is gone. Otherwise `message` and `details` say what is left and what
    // to do about it.
    void finished(bool ok, const QString& message, const QString& details);

private:
    void listWorkers();
    void askProxy();
    void signalDaemon();
    void watch();
    void fail(const QString& message, const QString& details);

    HostSession* m_session;
    qint64 m_daemonPid = 0;
    QList<qint64> m_pids;  // the daemon first, then workers and proxy
    int m_workers = 0;
    bool m_proxy = false;
    QTimer m_poll;
    qint64 m_startedMs = 0;
    int m_timeoutMs = 30000;
    bool m_done = false;
};

}  // namespace fulcrum::app
