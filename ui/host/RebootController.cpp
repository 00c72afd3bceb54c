#include "ui/host/RebootController.h"

#include "app/models/staged_config.h"
#include "app/reboot/rolling_reboot.h"
#include "app/rpc/host_session.h"
#include "ui/Plural.h"
#include "ui/host/RebootStepText.h"
#include "ui/host/RebootTargets.h"

namespace fulcrum::ui {

using Step = app::RebootVerifier::Step;
using Status = app::RebootVerifier::Status;
using Verdict = app::RebootVerifier::Verdict;

namespace {

constexpr int kSteps = int(Step::Count);

QString duration(qint64 ms) {
    if (ms < 60000) return RebootController::tr("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    return RebootController::tr("%1 min %2 s").arg(ms / 60000).arg((ms % 60000) / 1000);
}

QString rowId(const QString& host, Step step) { return host + QLatin1Char(':') + reboot_text::key(step); }

// What the user calls the host ("web1"), rather than "deploy@web1.example.net:22".
QString shortName(const app::HostSession* s) {
    const auto& e = s->endpoint();
    return e.isLocal() || e.ssh.alias.isEmpty() ? s->displayName() : e.ssh.alias;
}

}  // namespace

RebootController::RebootController(const QString& hostId, app::HostSession* session, RebootPage* page,
                                   RebootTargets* targets, QObject* parent)
    : QObject(parent), m_hostId(hostId), m_session(session), m_page(page), m_targets(targets),
      m_clock(std::make_shared<app::SystemRebootClock>()) {
    m_ticker.setInterval(1000);
    connect(&m_ticker, &QTimer::timeout, this, &RebootController::tick);
    connect(m_targets, &RebootTargets::changed, this, &RebootController::refreshHosts);
    connect(m_page, &RebootPage::startRequested, this, &RebootController::start);
    connect(m_page, &RebootPage::cancelRequested, this, &RebootController::cancel);
    connect(m_page, &RebootPage::confirmed, this, &RebootController::confirm);
    connect(m_page, &RebootPage::declined, this, &RebootController::decline);
    m_page->setRollingAvailable(true);
    refreshHosts();
    showPlan();
}

RebootController::~RebootController() {
    // A verifier left running turns the session's "rebooting" off in its own destructor.
    releaseHosts();
}

QString RebootController::stepKey(Step step) { return reboot_text::key(step); }

QString RebootController::hostName(const QString& id) const {
    const app::HostSession* s = sessionOf(id);
    return s ? shortName(s) : id;
}

app::HostSession* RebootController::sessionOf(const QString& id) const {
    if (id == m_hostId) return m_session;
    const RebootTargets::Host* h = m_targets ? m_targets->find(id) : nullptr;
    return h ? h->session.data() : nullptr;
}

// The host list: this page's host first (ticked), then every other server of the window.
// "This computer" is never offered: rebooting the desktop the panel runs on is not a thing
// Fulcrum does.
void RebootController::refreshHosts() {
    if (!m_targets) return;
    QList<RebootPage::HostChoice> choices;
    auto choice = [this](const QString& id, app::HostSession* s, QObject* claimedBy) {
        RebootPage::HostChoice c;
        c.id = id;
        c.name = shortName(s);
        const QString where = s->endpoint().isLocal() ? QString() : s->displayName();
        c.preselected = id == m_hostId;
        const bool ours = claimedBy == this;
        if (claimedBy && !ours) {
            c.available = false;
            c.detail = tr("being rebooted from another page");
        } else if (ours && m_running) {
            c.detail = id == m_current ? tr("rebooting now") : tr("in this run");
        } else if (s->state() != app::HostSession::State::Connected) {
            c.available = false;
            c.detail = tr("not connected");
        } else {
            c.detail = tr("connected");
        }
        if (!where.isEmpty() && where != c.name) c.detail += QStringLiteral(" · ") + where;
        return c;
    };
    const bool local = m_session && m_session->endpoint().isLocal();
    const RebootTargets::Host* own = m_targets->find(m_hostId);
    if (!local && m_session) choices << choice(m_hostId, m_session, own ? own->claimedBy.data() : nullptr);
    for (const RebootTargets::Host& h : m_targets->hosts()) {
        if (h.id == m_hostId || h.session->endpoint().isLocal()) continue;
        choices << choice(h.id, h.session, h.claimedBy);
    }
    m_page->setHosts(choices, local ? tr("This is the computer Fulcrum runs on: it is never rebooted from here, "
                                         "and no server is connected yet.")
                                    : QString());
    m_page->setRebootable(!choices.isEmpty(),
                          choices.isEmpty() ? tr("Add a server (File → Add host…) and connect to it to reboot and "
                                                 "verify it.")
                                            : QString());
}

// Before the first run: the steps that will be checked, all pending, so the page shows what
// reboot-and-verify does rather than an empty box.
void RebootController::showPlan() {
    Timeline* t = m_page->timeline();
    t->clear();
    const QString id = QStringLiteral("plan");
    t->setHeading(id, tr("What is checked"), tr("for each host, in this order"));
    app::RebootVerifier preview(nullptr, m_base, m_clock);
    for (const auto& r : preview.steps())
        t->setStep(rowId(id, r.step), r.title, Timeline::StepState::Pending, reboot_text::purpose(r.step));
}

void RebootController::addPendingSteps(const QString& id) {
    Timeline* t = m_page->timeline();
    if (m_options.rolling)
        t->setStep(id + QStringLiteral(":drain"), tr("Drained from the other hosts' pools"), Timeline::StepState::Pending);
    app::RebootVerifier preview(nullptr, m_base, m_clock);
    for (const auto& r : preview.steps()) t->setStep(rowId(id, r.step), r.title, Timeline::StepState::Pending);
    if (m_options.rolling)
        t->setStep(id + QStringLiteral(":restore"), tr("Pools put back"), Timeline::StepState::Pending);
}

void RebootController::setHeading(const QString& id, const QString& status, Timeline::StepState state) {
    m_page->timeline()->setHeading(id, hostName(id), status, state);
}

void RebootController::start(const RebootPage::Options& options) {
    if (m_running || !m_targets) return;
    QStringList problems;
    for (const QString& id : options.hostIds) {
        app::HostSession* s = sessionOf(id);
        if (!s) problems << tr("%1 is no longer in the host list").arg(id);
        else if (s->endpoint().isLocal()) problems << tr("%1 is this computer").arg(shortName(s));
        else if (s->state() != app::HostSession::State::Connected)
            problems << tr("%1 is not connected (%2)").arg(shortName(s), s->statusText());
        else if (m_targets->find(id) && !m_targets->claim(id, this))
            problems << tr("%1 is being rebooted from another page").arg(shortName(s));
    }
    if (!problems.isEmpty()) {
        releaseHosts();
        m_page->showError(tr("Nothing was rebooted."), problems.join(QStringLiteral("; ")) + QLatin1Char('.'));
        return;
    }
    m_options = options;
    m_queue = options.hostIds;
    m_results.clear();
    m_running = true;
    m_cancelled = false;
    m_page->setRunning(true);
    Timeline* t = m_page->timeline();
    t->clear();
    for (const QString& id : m_queue) {
        setHeading(id, tr("waiting"), Timeline::StepState::Pending);
        addPendingSteps(id);
    }
    m_ticker.start();
    refreshHosts();
    runNext();
}

void RebootController::runNext() {
    if (m_queue.isEmpty()) {
        QStringList times, skipped;
        for (const HostResult& r : m_results) {
            times << tr("%1 in %2").arg(hostName(r.id), duration(r.durationMs));
            for (const QString& title : r.skipped)
                if (!skipped.contains(title)) skipped << title;
        }
        const QString summary =
            m_results.size() == 1
                ? tr("%1 rebooted and verified in %2.").arg(hostName(m_results[0].id), duration(m_results[0].durationMs))
                : plural(m_results.size(), "%1 host rebooted and verified, one after another.",
                         "%1 hosts rebooted and verified, one after another.");
        QString details = tr("Back with a new boot id, the agent started by boot persistence, and everything stayed "
                             "healthy for %1 s.").arg(m_options.stabilitySeconds);
        if (m_results.size() > 1) details = times.join(QStringLiteral(", ")) + QStringLiteral(". ") + details;
        if (!skipped.isEmpty())
            details += QLatin1Char(' ') + tr("Nothing to check for: %1.").arg(skipped.join(QStringLiteral(", ")));
        finish(true, summary, details);
        return;
    }
    m_current = m_queue.first();
    m_currentStartedMs = m_clock->nowMs();
    refreshHosts();
    startVerifier(false);
}

// The page's choices over the base options: the reboot command and the stability window.
app::RebootOptions RebootController::effectiveOptions() const {
    app::RebootOptions options = m_base;
    options.rebootCommand = m_options.command;
    options.stability = std::chrono::seconds(m_options.stabilitySeconds);
    return options;
}

void RebootController::startVerifier(bool confirmed) {
    app::HostSession* session = sessionOf(m_current);
    app::RebootOptions options = effectiveOptions();
    options.proceedDespiteWarnings = confirmed;
    const RebootTargets::Host* target = m_targets ? m_targets->find(m_current) : nullptr;
    options.unsavedEdits = target && target->config && target->config->hasChanges();
    addPendingSteps(m_current);
    setHeading(m_current, tr("running"), Timeline::StepState::Running);
    if (m_options.rolling) return startRolling(session, options);
    auto* verifier = new app::RebootVerifier(session, options, m_clock, this);
    m_verifier = verifier;
    connect(verifier, &app::RebootVerifier::stepChanged, this, &RebootController::onStepChanged);
    connect(verifier, &app::RebootVerifier::finished, this, &RebootController::onVerifierFinished);
    verifier->start();
}

// Rolling: the host's servers leave every other connected host's pools first (RollingReboot
// drains them and waits until nothing is in flight), and go back once it is verified — also
// when it is red. One RollingReboot per host, so a preflight warning can be confirmed for
// this host alone and the run continues with the next.
void RebootController::startRolling(app::HostSession* session, const app::RebootOptions& options) {
    QVector<app::HostSession*> pools;
    for (const RebootTargets::Host& h : m_targets->hosts())
        if (h.session->state() == app::HostSession::State::Connected) pools << h.session;
    m_lastAwaitedConfirmation = false;
    auto* run = new app::RollingReboot({{session, {}}}, pools, options, m_drain, m_clock, this);
    m_rolling = run;
    connect(run, &app::RollingReboot::verifierStarted, this, [this](int, app::RebootVerifier* verifier) {
        m_verifier = verifier;
        connect(verifier, &app::RebootVerifier::stepChanged, this, &RebootController::onStepChanged);
        connect(verifier, &app::RebootVerifier::finished, this,
                [this, verifier] { m_lastAwaitedConfirmation = verifier->awaitsConfirmation(); });
    });
    connect(run, &app::RollingReboot::hostChanged, this, [this, run] { onRollingPhase(run); });
    connect(run, &app::RollingReboot::progress, this, [this, run](int, const QString& line) {
        const auto phase = run->hosts()[0].phase;
        if (phase != app::RollingReboot::Phase::Draining && phase != app::RollingReboot::Phase::Restoring) return;
        const bool draining = phase == app::RollingReboot::Phase::Draining;
        m_page->timeline()->setStep(m_current + (draining ? QStringLiteral(":drain") : QStringLiteral(":restore")),
                                    draining ? tr("Drained from the other hosts' pools") : tr("Pools put back"),
                                    Timeline::StepState::Running, reboot_text::firstLine(line),
                                    QDateTime::fromMSecsSinceEpoch(m_phaseStartedMs),
                                    m_clock->nowMs() - m_phaseStartedMs);
    });
    connect(run, &app::RollingReboot::finished, this, [this, run] { onRollingFinished(run); });
    run->start();
}

void RebootController::onRollingPhase(app::RollingReboot* run) {
    if (run != m_rolling) return;
    using Phase = app::RollingReboot::Phase;
    const auto& host = run->hosts()[0];
    Timeline* t = m_page->timeline();
    const QString drain = m_current + QStringLiteral(":drain"), restore = m_current + QStringLiteral(":restore");
    const QString drainTitle = tr("Drained from the other hosts' pools"), restoreTitle = tr("Pools put back");
    const qint64 now = m_clock->nowMs();
    const QDateTime since = QDateTime::fromMSecsSinceEpoch(m_phaseStartedMs);
    switch (host.phase) {
    case Phase::Draining:
        m_phaseStartedMs = now;
        t->setStep(drain, drainTitle, Timeline::StepState::Running,
                   tr("Setting this host's servers to draining and waiting for their requests to finish…"),
                   QDateTime::fromMSecsSinceEpoch(now), 0);
        m_page->ensureStepVisible(drain);
        break;
    case Phase::Rebooting:
        t->setStep(drain, drainTitle, Timeline::StepState::Passed, reboot_text::firstLine(host.drainEvidence), since,
                   now - m_phaseStartedMs, host.drainEvidence);
        break;
    case Phase::Restoring:
        if (t->stepState(drain) == Timeline::StepState::Running)  // the drain itself stopped the run
            t->setStep(drain, drainTitle, Timeline::StepState::Failed, reboot_text::firstLine(host.failure), since,
                       now - m_phaseStartedMs, host.drainEvidence);
        m_phaseStartedMs = now;
        t->setStep(restore, restoreTitle, Timeline::StepState::Running, tr("Putting the servers back as they were…"),
                   QDateTime::fromMSecsSinceEpoch(now), 0);
        m_page->ensureStepVisible(restore);
        break;
    case Phase::Passed:
    case Phase::Failed:
        t->setStep(restore, restoreTitle, host.restoreOk ? Timeline::StepState::Passed : Timeline::StepState::Failed,
                   reboot_text::firstLine(host.restoreEvidence), since, now - m_phaseStartedMs, host.restoreEvidence);
        break;
    case Phase::Pending:
    case Phase::NotRun: break;
    }
    updateProgress();
}

void RebootController::onRollingFinished(app::RollingReboot* run) {
    if (run != m_rolling) return;
    m_rolling = nullptr;
    run->deleteLater();
    m_verifier = nullptr;
    const auto host = run->hosts()[0];
    if (run->verdict() == Verdict::Passed) return hostPassed(host.steps);
    if (m_lastAwaitedConfirmation && host.restoreOk) return askToConfirm(host.steps);
    QString extra;
    if (!host.restoreOk)
        extra = tr("The other hosts' pools were not all put back (%1): check their Pools page.")
                    .arg(reboot_text::firstLine(host.restoreEvidence));
    if (host.steps.isEmpty()) {
        // Stopped while draining: nothing was rebooted, and the verification never ran.
        const app::RebootVerifier titles(nullptr, m_base, m_clock);
        for (const auto& r : titles.steps())
            m_page->timeline()->setStep(rowId(m_current, r.step), r.title, Timeline::StepState::Skipped,
                                        m_cancelled ? tr("Not run: the run was cancelled") : tr("Not run: the drain failed"));
        return hostFailed({}, extra + QLatin1Char(' ') + tr("Nothing was rebooted; the pools were put back."),
                          tr("Drained from the other hosts' pools"), host.failure);
    }
    hostFailed(host.steps, extra);
}

void RebootController::onStepChanged(int index) {
    auto* verifier = qobject_cast<app::RebootVerifier*>(sender());
    if (!verifier || verifier != m_verifier || index < 0 || index >= kSteps) return;
    const auto& r = verifier->steps()[index];
    const QDateTime started = r.startedAtMs > 0 ? QDateTime::fromMSecsSinceEpoch(r.startedAtMs) : QDateTime();
    Timeline::StepState state = Timeline::StepState::Pending;
    QString detail;
    QString evidence = r.evidence;
    qint64 durationMs = r.durationMs;
    switch (r.status) {
    case Status::Pending: durationMs = -1; break;
    case Status::Running:
        state = Timeline::StepState::Running;
        detail = reboot_text::running(r.step, effectiveOptions());
        durationMs = m_clock->nowMs() - r.startedAtMs;
        break;
    case Status::Passed:
        state = r.evidence.contains(QLatin1String("Warning: ")) ? Timeline::StepState::Warning
                                                                : Timeline::StepState::Passed;
        detail = reboot_text::firstLine(r.evidence);
        break;
    case Status::Failed:
        if (m_cancelled) {
            // Not a failure of the host: the user stopped here. Grey, and says so.
            state = Timeline::StepState::Skipped;
            detail = tr("Cancelled — you stopped the run here");
        } else if (verifier->awaitsConfirmation()) {
            state = Timeline::StepState::Warning;
            detail = tr("Waiting for you: see the warning above");
        } else {
            state = Timeline::StepState::Failed;
            detail = reboot_text::firstLine(r.evidence);
        }
        break;
    case Status::Skipped:
        if (verifier->awaitsConfirmation()) {
            durationMs = -1;
            evidence.clear();
            break;  // still to come once the user confirms: pending
        }
        state = Timeline::StepState::Skipped;
        detail = r.startedAtMs > 0 ? reboot_text::firstLine(r.evidence)
                 : m_cancelled     ? tr("Not run: the run was cancelled")
                                   : tr("Not run: an earlier step failed");
        if (r.startedAtMs == 0) {
            evidence.clear();
            durationMs = -1;
        }
        break;
    }
    m_page->timeline()->setStep(rowId(m_current, r.step), r.title, state, detail, started, durationMs, evidence);
    if (state == Timeline::StepState::Running || state == Timeline::StepState::Failed)
        m_page->ensureStepVisible(rowId(m_current, r.step));
    updateProgress();
}

void RebootController::onVerifierFinished() {
    auto* verifier = qobject_cast<app::RebootVerifier*>(sender());
    if (!verifier || verifier != m_verifier) return;
    m_verifier = nullptr;
    verifier->deleteLater();
    if (verifier->verdict() == Verdict::Passed) return hostPassed(verifier->steps());
    if (verifier->awaitsConfirmation()) return askToConfirm(verifier->steps());
    hostFailed(verifier->steps(), {});
}

void RebootController::hostPassed(const QVector<app::RebootVerifier::StepRecord>& steps) {
    const qint64 took = m_clock->nowMs() - m_currentStartedMs;
    setHeading(m_current, tr("verified in %1").arg(duration(took)), Timeline::StepState::Passed);
    QStringList skipped;
    for (const auto& r : steps)
        if (r.status == Status::Skipped) skipped << r.title;
    m_results.append({m_current, true, took, skipped});
    if (m_targets) m_targets->release(m_current, this);
    m_queue.removeFirst();
    runNext();
}

void RebootController::askToConfirm(const QVector<app::RebootVerifier::StepRecord>& steps) {
    m_awaitingConfirmation = true;
    setHeading(m_current, tr("waiting for your confirmation"), Timeline::StepState::Warning);
    const QString warnings = steps[int(Step::Preflight)].evidence.section(QLatin1Char('\n'), 1).replace(
        QStringLiteral("Warning: "), QStringLiteral("• "));
    m_page->askConfirmation(tr("%1: check this before rebooting.").arg(hostName(m_current)), warnings);
    updateProgress();
}

// The first failed step names the problem (its evidence is open in the timeline); with no
// failed step (a rolling run that stopped while draining) `fallbackTitle`/`fallbackWhy` do.
void RebootController::hostFailed(const QVector<app::RebootVerifier::StepRecord>& steps, const QString& extra,
                                  const QString& fallbackTitle, const QString& fallbackWhy) {
    int failed = 0;
    while (failed < steps.size() && steps[failed].status != Status::Failed) ++failed;
    if (m_cancelled) return hostCancelled(failed < steps.size() ? steps[failed].title : fallbackTitle, steps, extra);
    QString title = fallbackTitle, why = fallbackWhy, advice;
    if (failed < steps.size()) {
        title = steps[failed].title;
        why = reboot_text::firstLine(steps[failed].evidence, 300);
        advice = reboot_text::advice(steps[failed].step, why);
    } else if (title.isEmpty()) {
        title = tr("Preflight");
        why = tr("the run stopped before the reboot");
    }
    setHeading(m_current, tr("failed at “%1”").arg(title), Timeline::StepState::Failed);
    QString details = why + QStringLiteral(". ") + advice;
    if (!extra.isEmpty()) details += QLatin1Char(' ') + extra;
    if (const QString rest = notRebootedText(); !rest.isEmpty()) details += QLatin1Char(' ') + rest;
    finish(false, tr("%1 did not pass: “%2” failed.").arg(hostName(m_current), title), details.simplified());
}

// Stop pressed: the verdict says what was already done (a reboot command cannot be taken
// back) instead of advice for a step that did not really fail.
void RebootController::hostCancelled(const QString& atStep, const QVector<app::RebootVerifier::StepRecord>& steps,
                                     const QString& extra) {
    const bool issued = steps.size() > int(Step::IssueReboot) && steps[int(Step::IssueReboot)].status == Status::Passed;
    setHeading(m_current, tr("cancelled"), Timeline::StepState::Skipped);
    QString details = atStep.isEmpty() ? tr("You stopped the run.") : tr("You stopped the run at “%1”.").arg(atStep);
    details += QLatin1Char(' ');
    details += issued ? tr("The reboot command had already been sent, so %1 reboots anyway; Fulcrum reconnects to it "
                           "as usual. Check its Overview, or start Reboot & verify again.")
                            .arg(hostName(m_current))
                      : tr("%1 was not rebooted.").arg(hostName(m_current));
    if (!extra.isEmpty()) details += QLatin1Char(' ') + extra;
    if (const QString rest = notRebootedText(); !rest.isEmpty()) details += QLatin1Char(' ') + rest;
    finish(false, tr("Reboot & verify was cancelled."), details.simplified(), true);
}

QString RebootController::notRebootedText() const {
    QStringList rest;
    for (qsizetype i = 1; i < m_queue.size(); ++i) rest << hostName(m_queue[i]);
    if (rest.isEmpty()) return {};
    return tr("Not rebooted, because the run stops at the first red host: %1.").arg(rest.join(QStringLiteral(", ")));
}

void RebootController::confirm() {
    if (!m_running || !m_awaitingConfirmation) return;
    m_awaitingConfirmation = false;
    m_page->clearVerdict();
    startVerifier(true);
}

void RebootController::decline() {
    if (!m_running || !m_awaitingConfirmation) return;
    m_awaitingConfirmation = false;
    setHeading(m_current, tr("not rebooted"), Timeline::StepState::Failed);
    QString details = tr("You chose not to reboot after the preflight warning. Fix what it found (the Overview shows "
                         "the boot persistence and can install it) and start again.");
    if (const QString rest = notRebootedText(); !rest.isEmpty()) details += QLatin1Char(' ') + rest;
    finish(false, tr("%1 was not rebooted.").arg(hostName(m_current)), details);
}

void RebootController::cancel() {
    if (!m_running) return;
    if (m_awaitingConfirmation) return decline();
    m_cancelled = true;
    if (m_rolling) m_rolling->cancel();  // restores the pools, then finished() ends the run
    else if (m_verifier) m_verifier->cancel();  // fails the running step: onVerifierFinished ends the run
}

void RebootController::finish(bool passed, const QString& summary, const QString& details, bool cancelled) {
    m_ticker.stop();
    m_running = false;
    m_awaitingConfirmation = false;
    m_queue.clear();
    m_current.clear();
    releaseHosts();
    m_page->setRunning(false);
    if (cancelled) {
        m_page->setCancelled(summary, details);
    } else {
        m_page->setVerdict(passed, summary, details);
    }
    refreshHosts();
    emit runFinished(passed);
}

void RebootController::releaseHosts() {
    if (!m_targets) return;
    for (const RebootTargets::Host& h : m_targets->hosts())
        if (h.claimedBy == this) m_targets->release(h.id, this);
}

void RebootController::updateProgress() {
    const int hosts = int(m_results.size() + m_queue.size());
    int done = int(m_results.size()) * kSteps;
    QString text;
    if (m_verifier && !m_current.isEmpty()) {
        int current = -1;
        for (int i = 0; i < kSteps; ++i) {
            const Status s = m_verifier->steps()[i].status;
            if (s == Status::Passed || s == Status::Skipped) ++done;
            if (s == Status::Running) current = i;
        }
        const QString position = hosts > 1 ? tr("Host %1 of %2 · ").arg(m_results.size() + 1).arg(hosts) : QString();
        text = current >= 0 ? tr("%1%2 — step %3 of %4: %5")
                                  .arg(position, hostName(m_current))
                                  .arg(current + 1)
                                  .arg(kSteps)
                                  .arg(m_verifier->steps()[current].title)
                            : position + hostName(m_current);
    } else if (m_rolling && !m_current.isEmpty()) {
        const QString position = hosts > 1 ? tr("Host %1 of %2 · ").arg(m_results.size() + 1).arg(hosts) : QString();
        const bool restoring = m_rolling->hosts()[0].phase == app::RollingReboot::Phase::Restoring;
        text = position + hostName(m_current) +
               (restoring ? tr(" — putting the pools back") : tr(" — draining it from the other hosts' pools"));
    }
    m_page->setProgress(text, done, hosts * kSteps);
}

// Live durations: the running step's clock moves every second, and while the host is away
// its row says what the session is doing ("retrying in 2 s").
void RebootController::tick() {
    if (!m_verifier || m_current.isEmpty()) return;
    for (int i = 0; i < kSteps; ++i) {
        const auto& r = m_verifier->steps()[i];
        if (r.status != Status::Running) continue;
        QString detail = reboot_text::running(r.step, effectiveOptions());
        const app::HostSession* s = sessionOf(m_current);
        if (r.step == Step::HostUp && s) detail += QStringLiteral(" ") + s->statusText();
        m_page->timeline()->setStep(rowId(m_current, r.step), r.title, Timeline::StepState::Running, detail,
                                    QDateTime::fromMSecsSinceEpoch(r.startedAtMs), m_clock->nowMs() - r.startedAtMs);
    }
}

}  // namespace fulcrum::ui
