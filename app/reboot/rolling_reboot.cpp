#include "app/reboot/rolling_reboot.h"

#include "app/rpc/host_session.h"

namespace fulcrum::app {

RollingReboot::RollingReboot(QVector<RollingHost> hosts, QVector<HostSession*> poolHosts,
                             RebootOptions options, DrainOptions drainOptions,
                             std::shared_ptr<RebootClock> clock, QObject* parent)
    : QObject(parent),
      m_hosts(std::move(hosts)),
      m_options(std::move(options)),
      m_drainOptions(drainOptions),
      m_clock(clock ? std::move(clock) : std::make_shared<SystemRebootClock>()) {
    for (HostSession* s : poolHosts) m_poolHosts.push_back(s);
    for (const auto& h : m_hosts) {
        HostRun run;
        run.name = h.session ? h.session->displayName() : QStringLiteral("(no session)");
        m_runs.push_back(run);
    }
}

RollingReboot::~RollingReboot() = default;

QString RollingReboot::phaseName(Phase phase) {
    switch (phase) {
        case Phase::Pending:
            return QStringLiteral("pending");
        case Phase::Draining:
            return QStringLiteral("draining");
        case Phase::Rebooting:
            return QStringLiteral("rebooting");
        case Phase::Restoring:
            return QStringLiteral("restoring");
        case Phase::Passed:
            return QStringLiteral("passed");
        case Phase::Failed:
            return QStringLiteral("failed");
        case Phase::NotRun:
            return QStringLiteral("not run");
    }
    return {};
}

QStringList RollingReboot::defaultAddresses(const HostSession& session) {
    const HostEndpoint& e = session.endpoint();
    if (e.isLocal()) return {QStringLiteral("127.0.0.1"), QStringLiteral("localhost")};
    return {e.ssh.hostName};
}

void RollingReboot::start() {
    if (m_started) return;
    m_started = true;
    if (m_hosts.isEmpty()) {
        m_failure = QStringLiteral("no host to reboot");
        m_verdict = RebootVerifier::Verdict::Failed;
        emit finished(m_verdict);
        return;
    }
    runHost(0);
}

void RollingReboot::cancel() {
    if (!m_started || m_verdict != RebootVerifier::Verdict::Running || m_cancelled) return;
    m_cancelled = true;
    if (m_failure.isEmpty()) m_failure = QStringLiteral("cancelled");
    // Draining: onDrained restores and stops. Rebooting: the verifier fails, then restore.
    if (m_verifier) m_verifier->cancel();
}

void RollingReboot::setPhase(Phase phase) {
    m_runs[m_index].phase = phase;
    emit hostChanged(m_index);
}

void RollingReboot::runHost(int index) {
    m_index = index;
    if (index >= m_hosts.size() || m_cancelled) return finish();
    setPhase(Phase::Draining);
    HostSession* session = m_hosts[index].session;
    QStringList addresses = m_hosts[index].addresses;
    if (addresses.isEmpty() && session) addresses = defaultAddresses(*session);
    if (!session || !session->rpc() || session->state() != HostSession::State::Connected)
        return startDrain(index, addresses, {});
    // Pools may name the host by any of its addresses, not only the one SSH uses: ask it.
    session->rpc()->call<protocol::method::HostFactsGet>(
        {}, this,
        [this, index, addresses](const protocol::Outcome<protocol::HostFacts>& facts) {
            if (m_index != index) return;
            if (!facts.ok()) {
                emit progress(index, QStringLiteral("%1 did not tell its addresses (%2): pools are matched by %3 only")
                                         .arg(m_runs[index].name, QString::fromStdString(facts.error().message),
                                              addresses.join(QStringLiteral(", "))));
                return startDrain(index, addresses, {});
            }
            startDrain(index, addresses, facts.value());
        },
        m_drainOptions.rpcTimeout);
}

void RollingReboot::startDrain(int index, const QStringList& addresses, const protocol::HostFacts& facts) {
    QVector<HostSession*> others;
    for (const auto& p : m_poolHosts)
        if (p && p != m_hosts[index].session) others.push_back(p);
    QStringList reported;
    for (const std::string& entry : facts.addresses) reported << QString::fromStdString(entry);
    emit progress(index, QStringLiteral("draining the servers on %1 (%2%3) out of the pools of %4 other host(s)")
                             .arg(m_runs[index].name, addresses.join(QStringLiteral(", ")),
                                  reported.isEmpty() ? QString()
                                                     : QStringLiteral("; it reports %1").arg(reported.join(QStringLiteral(", "))))
                             .arg(others.size()));
    m_drain = new PoolDrain(others, addresses, m_drainOptions, m_clock, this);
    m_drain->setTargetMachine(QString::fromStdString(facts.boot_id), reported);
    connect(m_drain, &PoolDrain::progress, this,
            [this, index](const QString& line) { emit progress(index, line); });
    connect(m_drain, &PoolDrain::drained, this, &RollingReboot::onDrained);
    connect(m_drain, &PoolDrain::restored, this, &RollingReboot::onRestored);
    m_drain->drain();
}

void RollingReboot::onDrained(bool ok, const QString& evidence) {
    HostRun& run = m_runs[m_index];
    run.drainEvidence = evidence;
    if (!ok || m_cancelled) {
        // Never reboot a host the pools may still send requests to.
        run.failure = m_cancelled ? QStringLiteral("cancelled")
                                  : QStringLiteral("drain: ") + evidence.section(QLatin1Char('\n'), -1);
        setPhase(Phase::Restoring);
        m_drain->restore();
        return;
    }
    setPhase(Phase::Rebooting);
    m_verifier = new RebootVerifier(m_hosts[m_index].session, m_options, m_clock, this);
    connect(m_verifier, &RebootVerifier::finished, this, &RollingReboot::onVerified);
    emit verifierStarted(m_index, m_verifier);
    m_verifier->start();
}

void RollingReboot::onVerified(RebootVerifier::Verdict verdict) {
    HostRun& run = m_runs[m_index];
    run.steps = m_verifier->steps();
    if (verdict != RebootVerifier::Verdict::Passed) run.failure = m_verifier->failureSummary();
    // The verifier lives until the pools are restored: currentVerifier() stays valid meanwhile.
    setPhase(Phase::Restoring);
    m_drain->restore();
}

void RollingReboot::onRestored(bool ok, const QString& evidence) {
    HostRun& run = m_runs[m_index];
    run.restoreOk = ok;
    run.restoreEvidence = evidence;
    if (!ok && run.failure.isEmpty()) run.failure = QStringLiteral("pools not restored: ") + evidence;
    const bool green = run.failure.isEmpty();
    setPhase(green ? Phase::Passed : Phase::Failed);
    m_drain->deleteLater();
    m_drain = nullptr;
    if (m_verifier) {
        m_verifier->deleteLater();
        m_verifier = nullptr;
    }
    if (!green) {
        m_failure = run.name + QStringLiteral(": ") + run.failure;
        return finish();
    }
    runHost(m_index + 1);
}

void RollingReboot::finish() {
    for (int i = std::max(m_index, 0); i < m_runs.size(); ++i)
        if (m_runs[i].phase == Phase::Pending) {
            m_runs[i].phase = Phase::NotRun;
            emit hostChanged(i);
        }
    if (m_cancelled && m_failure.isEmpty()) m_failure = QStringLiteral("cancelled");
    m_verdict = m_failure.isEmpty() ? RebootVerifier::Verdict::Passed : RebootVerifier::Verdict::Failed;
    m_index = -1;
    emit finished(m_verdict);
}

}  // namespace fulcrum::app
