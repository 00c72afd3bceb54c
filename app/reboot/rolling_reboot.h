#pragma once
// Rolling reboot of several hosts (issue 5 item 8): one host at a time, in the order given.
// For each: drain its servers out of the pools of the other hosts (PoolDrain: set to draining,
// wait until nothing is in flight on them), reboot and verify it (RebootVerifier), then put
// the pools back as they were, also when the verification failed (the evidence says what was
// restored or why not). The first host that is not green stops the run: the hosts after it
// are not touched.
//
// Pool hosts are every session whose pools may point at the hosts being rebooted (the hosts
// being rebooted may be among them: a host's own pools are never drained for itself).
// Lives on the sessions' thread; time from a RebootClock.

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QVector>
#include <memory>

#include "app/reboot/pool_drain.h"
#include "app/reboot/reboot_verifier.h"

namespace fulcrum::app {

class HostSession;

struct RollingHost {
    HostSession* session = nullptr;
    // How pools on the other hosts name this host ("198.18.0.12", "web2.example.net"); see
    // defaultAddresses(). The addresses the host reports on its interfaces (host.facts) are
    // added when it is drained.
    QStringList addresses;
};

class RollingReboot : public QObject {
    Q_OBJECT
  public:
    enum class Phase { Pending, Draining, Rebooting, Restoring, Passed, Failed, NotRun };
    Q_ENUM(Phase)

    struct HostRun {
        QString name;
        Phase phase = Phase::Pending;
        QString drainEvidence;    // what was drained where, and the in-flight wait
        QString restoreEvidence;  // what was put back (or why not)
        bool restoreOk = true;
        QVector<RebootVerifier::StepRecord> steps;  // the verification's steps, once it ran
        QString failure;                            // why this host is not green
    };

    // Sessions must outlive the run and be connected (with reconnecting on) when it starts.
    RollingReboot(QVector<RollingHost> hosts, QVector<HostSession*> poolHosts, RebootOptions options,
                  DrainOptions drainOptions = {}, std::shared_ptr<RebootClock> clock = {},
                  QObject* parent = nullptr);
    ~RollingReboot() override;

    void start();  // once
    // Stops after restoring the pools: a running verification is cancelled (its step fails as
    // "cancelled"), hosts not yet started are not run.
    void cancel();

    const QVector<HostRun>& hosts() const { return m_runs; }
    RebootVerifier::Verdict verdict() const { return m_verdict; }
    QString failureSummary() const { return m_failure; }
    // The verifier of the host being rebooted now, or null.
    RebootVerifier* currentVerifier() const { return m_verifier; }
    static QString phaseName(Phase phase);
    // The endpoint's host name as written in SSH settings (already resolved from ~/.ssh/config),
    // and 127.0.0.1/localhost for This computer. Callers may add resolved IP addresses.
    static QStringList defaultAddresses(const HostSession& session);

  signals:
    void hostChanged(int index);
    // A verification begins on host `index`: follow its stepChanged() to show the steps live.
    void verifierStarted(int index, fulcrum::app::RebootVerifier* verifier);
    void progress(int index, const QString& line);
    void finished(fulcrum::app::RebootVerifier::Verdict verdict);

  private:
    void runHost(int index);
    void startDrain(int index, const QStringList& addresses, const protocol::HostFacts& facts);
    void onDrained(bool ok, const QString& evidence);
    void onVerified(RebootVerifier::Verdict verdict);
    void onRestored(bool ok, const QString& evidence);
    void setPhase(Phase phase);
    void finish();

    QVector<RollingHost> m_hosts;
    QVector<QPointer<HostSession>> m_poolHosts;
    RebootOptions m_options;
    DrainOptions m_drainOptions;
    std::shared_ptr<RebootClock> m_clock;
    QVector<HostRun> m_runs;
    int m_index = -1;
    bool m_started = false;
    bool m_cancelled = false;
    PoolDrain* m_drain = nullptr;
    RebootVerifier* m_verifier = nullptr;
    RebootVerifier::Verdict m_verdict = RebootVerifier::Verdict::Running;
    QString m_failure;
};

}  // namespace fulcrum::app
