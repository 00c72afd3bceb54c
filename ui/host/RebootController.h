#pragma once
// Runs reboot-and-verify for one host's Reboot & verify page: the hosts the user ticked are
// rebooted one after another, each by an app::RebootVerifier on that host's own session, and
// every step change goes live into the page's timeline (state, start time, running duration,
// evidence). A host whose preflight warns (no boot persistence, unapplied edits) waits for
// the user's "Reboot anyway"; the first red host ends the run, and the hosts after it are not
// rebooted. The verdict names the failed step and says what to do about it.
//
// The reboot command and the stability window come from the page (kept in ui/Settings); the
// phase timeouts from setBaseOptions (defaults suit real servers; tests shorten them).

#include "app/reboot/pool_drain.h"
#include "app/reboot/reboot_verifier.h"
#include "ui/pages/RebootPage.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace fulcrum::app {
class HostSession;
class RollingReboot;
}

namespace fulcrum::ui {

class RebootTargets;

class RebootController : public QObject {
    Q_OBJECT
public:
    // `hostId`/`session`: the page's own host (listed first and ticked). `targets` lists the
    // other hosts of the window that can be chosen.
    RebootController(const QString& hostId, app::HostSession* session, RebootPage* page, RebootTargets* targets,
                     QObject* parent = nullptr);
    ~RebootController() override;

    void setBaseOptions(const app::RebootOptions& options) { m_base = options; }
    void setDrainOptions(const app::DrainOptions& options) { m_drain = options; }
    const app::RebootOptions& baseOptions() const { return m_base; }
    bool isRunning() const { return m_running; }
    // The verifier of the host being rebooted now (null between hosts and when idle).
    app::RebootVerifier* verifier() const { return m_verifier; }

    // Timeline ids: "<host id>:<step key>", e.g. "web1:workers".
    static QString stepKey(app::RebootVerifier::Step step);

signals:
    void runFinished(bool passed);

private:
    struct HostResult {
        QString id;
        bool passed = false;
        qint64 durationMs = 0;
        QStringList skipped;  // steps with nothing to check (no listeners, no pools)
    };

    void refreshHosts();
    void showPlan();
    void start(const RebootPage::Options& options);
    void runNext();
    void startVerifier(bool confirmed);
    app::RebootOptions effectiveOptions() const;
    void onStepChanged(int index);
    void onVerifierFinished();
    void startRolling(app::HostSession* session, const app::RebootOptions& options);
    void onRollingPhase(app::RollingReboot* run);
    void onRollingFinished(app::RollingReboot* run);
    void hostPassed(const QVector<app::RebootVerifier::StepRecord>& steps);
    void askToConfirm(const QVector<app::RebootVerifier::StepRecord>& steps);
    void hostFailed(const QVector<app::RebootVerifier::StepRecord>& steps, const QString& extra,
                    const QString& fallbackTitle = {}, const QString& fallbackWhy = {});
    void confirm();
    void decline();
    void cancel();
    void hostCancelled(const QString& atStep, const QVector<app::RebootVerifier::StepRecord>& steps,
                       const QString& extra);
    // `cancelled`: the user stopped the run; the verdict is a warning, not a red result.
    void finish(bool passed, const QString& summary, const QString& details, bool cancelled = false);
    void updateProgress();
    void tick();
    void setHeading(const QString& id, const QString& status, Timeline::StepState state);
    void addPendingSteps(const QString& id);
    void releaseHosts();
    QString hostName(const QString& id) const;
    app::HostSession* sessionOf(const QString& id) const;
    QString notRebootedText() const;

    QString m_hostId;
    QPointer<app::HostSession> m_session;
    RebootPage* m_page;
    QPointer<RebootTargets> m_targets;
    app::RebootOptions m_base;
    app::DrainOptions m_drain;
    std::shared_ptr<app::RebootClock> m_clock;

    bool m_running = false;
    bool m_awaitingConfirmation = false;
    bool m_cancelled = false;  // the user pressed Stop: the failed step reads "cancelled"
    RebootPage::Options m_options;
    QStringList m_queue;  // hosts still to reboot; the first is the current one
    QString m_current;
    qint64 m_currentStartedMs = 0;
    QList<HostResult> m_results;
    QPointer<app::RebootVerifier> m_verifier;
    QPointer<app::RollingReboot> m_rolling;  // rolling mode: the current host's run
    bool m_lastAwaitedConfirmation = false;  // its verification stopped at preflight warnings
    qint64 m_phaseStartedMs = 0;             // of the drain or restore shown as running
    QTimer m_ticker;  // live durations of the running step
};

}  // namespace fulcrum::ui
