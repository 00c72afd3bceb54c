#pragma once
// Reboot-and-verify of one host (design.md "Reboot and verify"): a state machine over the
// host's HostSession. It records boot_id, issues the reboot command, watches the connection
// drop and come back (HostSession reconnects with its own backoff while setRebooting is on),
// confirms a new boot_id, then checks in order: the agent was started by boot persistence,
// every worker runs and is healthy, every proxy listener is bound, requests from this computer
// through the proxy reach every active upstream, and all stays healthy for a stability window.
//
// Every step carries a start time, a duration, a status and evidence text; each phase has a
// timeout; the first failed step ends the run, and the steps after it are skipped. Lives on
// the session's thread. Time comes from a RebootClock so tests can drive it.

#include "agent/protocol/jsonrpc.h"
#include "agent/protocol/methods.h"
#include "app/reboot/reboot_clock.h"

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QVector>

#include <chrono>
#include <functional>
#include <memory>
#include <set>

class QProcess;
class QNetworkAccessManager;

namespace fulcrum::app {

class HostSession;

struct RebootOptions {
    QString rebootCommand = QStringLiteral("sudo -n systemctl reboot");
    bool unsavedEdits = false;            // the caller has staged, unapplied edits for this host
    bool proceedDespiteWarnings = false;  // preflight warnings (no boot persistence, unsaved edits)
    std::chrono::milliseconds stability{30000};
    std::chrono::milliseconds pollInterval{2000};
    // Phase timeouts.
    std::chrono::milliseconds rpcTimeout{15000};      // preflight, boot_id, one-shot checks
    std::chrono::milliseconds issueTimeout{60000};    // the reboot command returns or the link drops
    std::chrono::milliseconds downTimeout{120000};    // the connection is lost
    std::chrono::milliseconds upTimeout{600000};      // SSH and agent.hello answer again
    std::chrono::milliseconds healthTimeout{120000};  // workers healthy, listeners bound, upstreams reached
    int logLines = 20;  // of each failing worker, in the evidence
};

class RebootVerifier : public QObject {
    Q_OBJECT
public:
    enum class Step {
        Preflight,
        RecordBootId,
        IssueReboot,
        HostDown,
        HostUp,
        NewBootId,
        AgentFromBoot,
        WorkersHealthy,
        ListenersBound,
        UpstreamsReachable,
        Stability,
        Count
    };
    Q_ENUM(Step)
    enum class Status { Pending, Running, Passed, Failed, Skipped };
    Q_ENUM(Status)
    enum class Verdict { Running, Passed, Failed };
    Q_ENUM(Verdict)
    // A stable machine name of a step ("preflight", "host_down", ...), for scripts and logs.
    static QString stepKey(Step step);

    struct StepRecord {
        Step step = Step::Preflight;
        QString title;
        Status status = Status::Pending;
        qint64 startedAtMs = 0;  // Unix ms, 0 before it starts
        qint64 durationMs = 0;
        QString evidence;        // what was seen; on failure why, with the host's own words
    };

    // `session` must outlive the verifier (or the run fails when it goes); `clock` null: system.
    RebootVerifier(HostSession* session, RebootOptions options, std::shared_ptr<RebootClock> clock = {},
                   QObject* parent = nullptr);
    ~RebootVerifier() override;

    void start();   // once; the session must be Connected
    void cancel();  // fails the running step as "cancelled"

    const QVector<StepRecord>& steps() const { return m_steps; }
    Verdict verdict() const { return m_verdict; }
    // The failed step's "title: why", empty unless failed.
    QString failureSummary() const { return m_failure; }
    // True when the run stopped at preflight only because of warnings (no boot persistence,
    // unsaved edits) that the user may accept: run again with proceedDespiteWarnings.
    bool awaitsConfirmation() const { return m_awaitsConfirmation; }
    static QString statusName(Status status);

signals:
    void stepChanged(int index);
    void finished(fulcrum::app::RebootVerifier::Verdict verdict);

private:
    StepRecord& current() { return m_steps[int(m_step)]; }
    void enter(Step step);
    void pass(const QString& evidence);
    void skip(const QString& evidence);
    void fail(const QString& why, const QString& evidence = {});
    void advance();
    void retryLater(const QString& lastSeen);
    void run();
    template <class M, class F>
    void ask(const typename M::Params& params, F&& onResult,
             std::function<void(const protocol::Error&)> onAgentError = {});

    void preflight();
    void recordBootId();
    void issueReboot();
    void onRebootCommandDone(bool linkError, int exitStatus, const QString& output);
    void checkNewBootId();
    void checkAgentFromBoot();
    void checkWorkers();
    void failWorkers(QStringList bad, QVector<protocol::LogSource> sources, QString evidence);
    void checkListeners();
    void checkUpstreams();
    void stabilityRound();
    void onConnectionLost(const QString& reason);
    void onConnected();

    // Where this computer reaches a listener bound to `address`, or empty (with why) if it can't.
    QString reachableAddress(const QString& address, QString* why) const;
    QStringList listenerAddresses(bool* tlsOnly) const;
    int activeUpstreams(const protocol::WorkersListResult& workers) const;
    static QString workersProblems(const protocol::WorkersListResult& workers, const std::set<std::string>& required,
                                   QStringList* bad, QVector<protocol::LogSource>* sources);

    QPointer<HostSession> m_session;
    RebootOptions m_options;
    std::shared_ptr<RebootClock> m_clock;
    QVector<StepRecord> m_steps;
    Step m_step = Step::Preflight;
    Verdict m_verdict = Verdict::Running;
    QString m_failure;
    bool m_awaitsConfirmation = false;
    bool m_started = false;
    quint64 m_token = 0;  // bumped on every transition: late timers and answers are ignored
    QString m_lastSeen;   // of a polling step, for its timeout message

    std::string m_bootIdBefore;
    std::set<std::string> m_groupsBefore;  // worker groups running before the reboot
    nlohmann::json m_config;               // the host config document before the reboot
    bool m_wentDown = false;
    QString m_downReason;
    qint64 m_downAtMs = 0;
    QProcess* m_localCommand = nullptr;
    QNetworkAccessManager* m_http = nullptr;
    qint64 m_stabilityEndMs = 0;
    int m_stabilityRounds = 0;
};

}  // namespace fulcrum::app
