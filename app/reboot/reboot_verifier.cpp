#include "app/reboot/reboot_verifier.h"

#include "app/rpc/host_session.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTcpSocket>

#include <variant>

namespace fulcrum::app {

namespace method = protocol::method;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString seconds(qint64 ms) { return QString::number(double(ms) / 1000.0, 'f', 1) + QStringLiteral(" s"); }

const char* const kTitles[] = {
    "Preflight", "Record boot_id", "Issue reboot", "Host goes down", "SSH and agent back", "New boot_id",
    "Agent started by boot persistence", "Workers running and healthy", "Proxy listeners bound",
    "Requests reach every active upstream", "Stability window",
};
static_assert(std::size(kTitles) == std::size_t(RebootVerifier::Step::Count));

const char* const kKeys[] = {
    "preflight", "record_boot_id", "issue_reboot", "host_down", "host_up", "new_boot_id",
    "agent_from_boot", "workers_healthy", "listeners_bound", "upstreams_reachable", "stability",
};
static_assert(std::size(kKeys) == std::size_t(RebootVerifier::Step::Count));

// Evidence from a host is bounded: a hostile or chatty host cannot flood the UI.
QString bounded(QString text, qsizetype max = 4000) {
    if (text.size() > max) text = text.left(max) + QStringLiteral("\n[… cut]");
    return text;
}

constexpr int kMaxLogSources = 3;  // failing instances whose logs go into the evidence
constexpr int kMaxRequests = 48;

}  // namespace

RebootVerifier::RebootVerifier(HostSession* session, RebootOptions options, std::shared_ptr<RebootClock> clock,
                               QObject* parent)
    : QObject(parent), m_session(session), m_options(std::move(options)),
      m_clock(clock ? std::move(clock) : std::make_shared<SystemRebootClock>()) {
    for (int i = 0; i < int(Step::Count); ++i) {
        StepRecord r;
        r.step = Step(i);
        r.title = QString::fromLatin1(kTitles[i]);
        m_steps.push_back(r);
    }
}

RebootVerifier::~RebootVerifier() {
    if (m_session && m_started && m_verdict == Verdict::Running) m_session->setRebooting(false);
}

QString RebootVerifier::statusName(Status status) {
    switch (status) {
    case Status::Pending: return QStringLiteral("pending");
    case Status::Running: return QStringLiteral("running");
    case Status::Passed: return QStringLiteral("passed");
    case Status::Failed: return QStringLiteral("failed");
    case Status::Skipped: return QStringLiteral("skipped");
    }
    return {};
}

QString RebootVerifier::stepKey(Step step) {
    const int i = int(step);
    return i >= 0 && i < int(Step::Count) ? QString::fromLatin1(kKeys[i]) : QString();
}

void RebootVerifier::start() {
    if (m_started) return;
    m_started = true;
    if (!m_session) {
        enter(Step::Preflight);
        fail(QStringLiteral("no session"));
        return;
    }
    connect(m_session, &HostSession::connectionLost, this, &RebootVerifier::onConnectionLost);
    connect(m_session, &HostSession::connected, this, &RebootVerifier::onConnected);
    connect(m_session, &QObject::destroyed, this, [this] { fail(QStringLiteral("the host's session was closed")); });
    enter(Step::Preflight);
}

void RebootVerifier::cancel() {
    if (m_started && m_verdict == Verdict::Running) fail(QStringLiteral("cancelled"));
}

void RebootVerifier::enter(Step step) {
    m_step = step;
    ++m_token;
    m_lastSeen.clear();
    StepRecord& r = current();
    r.status = Status::Running;
    r.startedAtMs = m_clock->nowMs();
    emit stepChanged(int(step));

    std::chrono::milliseconds timeout = m_options.rpcTimeout;
    switch (step) {
    case Step::IssueReboot: timeout = m_options.issueTimeout; break;
    case Step::HostDown: timeout = m_options.downTimeout; break;
    case Step::HostUp: timeout = m_options.upTimeout; break;
    case Step::WorkersHealthy:
    case Step::ListenersBound:
    case Step::UpstreamsReachable: timeout = m_options.healthTimeout; break;
    case Step::Stability: timeout = m_options.stability + m_options.rpcTimeout; break;
    default: break;
    }
    const quint64 token = m_token;
    m_clock->callAfter(timeout, this, [this, token, timeout] {
        if (token != m_token || m_verdict != Verdict::Running) return;
        fail(QStringLiteral("no success within %1").arg(seconds(timeout.count())), m_lastSeen);
    });
    run();
}

void RebootVerifier::run() {
    if (!m_session) return fail(QStringLiteral("the host's session was closed"));
    switch (m_step) {
    case Step::Preflight: return preflight();
    case Step::RecordBootId: return recordBootId();
    case Step::IssueReboot: return issueReboot();
    case Step::HostDown:
        if (m_wentDown) pass(QStringLiteral("connection lost: %1").arg(m_downReason));
        return;  // else onConnectionLost passes it
    case Step::HostUp:
        if (m_wentDown && m_session->state() == HostSession::State::Connected) onConnected();
        return;
    case Step::NewBootId: return checkNewBootId();
    case Step::AgentFromBoot: return checkAgentFromBoot();
    case Step::WorkersHealthy: return checkWorkers();
    case Step::ListenersBound: return checkListeners();
    case Step::UpstreamsReachable: return checkUpstreams();
    case Step::Stability:
        m_stabilityEndMs = m_clock->nowMs() + m_options.stability.count();
        m_stabilityRounds = 0;
        return stabilityRound();
    case Step::Count: return;
    }
}

void RebootVerifier::pass(const QString& evidence) {
    StepRecord& r = current();
    r.status = Status::Passed;
    r.durationMs = m_clock->nowMs() - r.startedAtMs;
    r.evidence = bounded(evidence);
    ++m_token;
    emit stepChanged(int(m_step));
    advance();
}

void RebootVerifier::skip(const QString& evidence) {
    StepRecord& r = current();
    r.status = Status::Skipped;
    r.durationMs = m_clock->nowMs() - r.startedAtMs;
    r.evidence = bounded(evidence);
    ++m_token;
    emit stepChanged(int(m_step));
    advance();
}

void RebootVerifier::advance() {
    const int next = int(m_step) + 1;
    if (next < int(Step::Count)) return enter(Step(next));
    m_verdict = Verdict::Passed;
    if (m_session) m_session->setRebooting(false);
    emit finished(m_verdict);
}

void RebootVerifier::fail(const QString& why, const QString& evidence) {
    if (m_verdict != Verdict::Running) return;
    ++m_token;
    StepRecord& r = current();
    r.status = Status::Failed;
    if (r.startedAtMs == 0) r.startedAtMs = m_clock->nowMs();
    r.durationMs = m_clock->nowMs() - r.startedAtMs;
    r.evidence = bounded(evidence.isEmpty() ? why : why + QStringLiteral("\n") + evidence, 16000);
    m_failure = r.title + QStringLiteral(": ") + why;
    m_verdict = Verdict::Failed;
    if (m_localCommand) m_localCommand->kill();
    if (m_session) m_session->setRebooting(false);
    emit stepChanged(int(m_step));
    for (int i = int(m_step) + 1; i < int(Step::Count); ++i) {
        m_steps[i].status = Status::Skipped;
        m_steps[i].evidence = QStringLiteral("not run: an earlier step failed");
        emit stepChanged(i);
    }
    emit finished(m_verdict);
}

void RebootVerifier::retryLater(const QString& lastSeen) {
    m_lastSeen = lastSeen;
    const quint64 token = m_token;
    m_clock->callAfter(m_options.pollInterval, this, [this, token] {
        if (token == m_token && m_verdict == Verdict::Running) run();
    });
}

// One RPC of the current step: `onResult(value)` on success, the step fails on an error.
// Answers that arrive after the step moved on (or timed out) are dropped.
// With onAgentError, an error answered by the agent itself (e.g. an older agent without the
// method) goes there instead of failing the step; timeouts and lost connections still fail.
template <class M, class F>
void RebootVerifier::ask(const typename M::Params& params, F&& onResult,
                         std::function<void(const protocol::Error&)> onAgentError) {
    if (!m_session || !m_session->rpc()) return fail(QStringLiteral("no connection to the agent"));
    const quint64 token = m_token;
    m_session->rpc()->call<M>(params, this,
        [this, token, f = std::forward<F>(onResult), onAgentError](protocol::Outcome<typename M::Result> outcome) {
            if (token != m_token || m_verdict != Verdict::Running) return;
            if (!outcome.ok() && onAgentError && !RpcClient::isTimeout(outcome.error()) &&
                !RpcClient::isConnectionLost(outcome.error()))
                return onAgentError(outcome.error());
            if (!outcome.ok())
                return fail(QStringLiteral("%1 failed: %2").arg(q(std::string(M::name)), q(outcome.error().message)));
            f(outcome.value());
        }, m_options.rpcTimeout);
}

void RebootVerifier::preflight() {
    if (m_session->state() != HostSession::State::Connected)
        return fail(QStringLiteral("the host is not connected (%1)").arg(m_session->statusText()));
    auto judge = [this](const protocol::BootStatus& boot, const QString& unknown) {
        QStringList warnings;
        if (!unknown.isEmpty()) warnings << unknown;
        else if (!boot.will_start_on_boot) {
            QString w = QStringLiteral("the agent will not start at boot: %1").arg(q(boot.summary));
            for (const auto& p : boot.problems) w += QStringLiteral("\n  - ") + q(p);
            if (!boot.fix.empty()) w += QStringLiteral("\n  fix: ") + q(boot.fix);
            warnings << w;
        }
        if (m_options.unsavedEdits) warnings << QStringLiteral("there are staged edits that are not applied; a reboot keeps only the applied config");
        const QString found = QStringLiteral("boot persistence: %1").arg(unknown.isEmpty() ? q(boot.summary) : QStringLiteral("unknown"));
        if (warnings.isEmpty()) return pass(found);
        const QString text = QStringLiteral("Warning: ") + warnings.join(QStringLiteral("\nWarning: "));
        if (!m_options.proceedDespiteWarnings) {
            m_awaitsConfirmation = true;
            return fail(QStringLiteral("preflight warnings; confirm to reboot anyway"), text);
        }
        pass(found + QStringLiteral("\n") + text + QStringLiteral("\n(confirmed: proceeding anyway)"));
    };
    ask<method::BootStatusGet>(
        {}, [judge](const protocol::BootStatus& boot) { judge(boot, {}); },
        [judge](const protocol::Error& e) {
            judge({}, QStringLiteral("the agent cannot tell whether it starts at boot (boot.status: %1)").arg(q(e.message)));
        });
}

void RebootVerifier::recordBootId() {
    ask<method::HostFactsGet>({}, [this](const protocol::HostFacts& facts) {
        if (facts.boot_id.empty()) return fail(QStringLiteral("the host reported no boot_id"));
        m_bootIdBefore = facts.boot_id;
        ask<method::WorkersList>({}, [this](const protocol::WorkersListResult& workers) {
            m_groupsBefore.clear();
            for (const auto& g : workers.groups)
                if (g.state != protocol::GroupState::stopped && g.desired_count > 0) m_groupsBefore.insert(g.name);
            ask<method::ConfigGet>({}, [this](const protocol::ConfigGetResult& config) {
                m_config = config.document;
                QStringList groups;
                for (const auto& g : m_groupsBefore) groups << q(g);
                pass(QStringLiteral("boot_id %1; worker groups running: %2; config version %3")
                         .arg(q(m_bootIdBefore), groups.isEmpty() ? QStringLiteral("none") : groups.join(QStringLiteral(", ")))
                         .arg(config.version));
            });
        });
    });
}

void RebootVerifier::issueReboot() {
    // From here on a lost connection is expected: the session keeps reconnecting with backoff.
    m_wentDown = false;
    m_session->setRebooting(true);
    const QByteArray command = m_options.rebootCommand.toUtf8();
    const quint64 token = m_token;
    if (m_session->endpoint().isLocal()) {
        // "This computer": the command runs here, as the panel's user.
        m_localCommand = new QProcess(this);
        m_localCommand->setProcessChannelMode(QProcess::MergedChannels);
        connect(m_localCommand, &QProcess::finished, this, [this, token](int code, QProcess::ExitStatus status) {
            const QString out = QString::fromUtf8(m_localCommand->readAll().left(8192));
            m_localCommand->deleteLater();
            m_localCommand = nullptr;
            if (token == m_token) onRebootCommandDone(false, status == QProcess::NormalExit ? code : -1, out);
        });
        connect(m_localCommand, &QProcess::errorOccurred, this, [this, token](QProcess::ProcessError e) {
            if (e == QProcess::FailedToStart && token == m_token)
                fail(QStringLiteral("the reboot command could not be started"), m_localCommand->errorString());
        });
        m_localCommand->start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), m_options.rebootCommand});
        return;
    }
    struct Result {
        bool linkError = false;
        int exitStatus = -1;
        QString output;
    };
    m_session->runOnSsh<Result>(
        [command](SshConnection* connection) {
            Result r;
            if (!connection) {
                r.linkError = true;
                r.output = QStringLiteral("no SSH connection");
                return r;
            }
            auto outcome = connection->exec(command, {}, 8192, std::chrono::seconds(30));
            if (auto* e = std::get_if<SshError>(&outcome)) {
                r.linkError = true;
                r.output = e->message;
            } else {
                const auto& x = std::get<ExecResult>(outcome);
                r.exitStatus = x.exitStatus;
                r.output = QString::fromUtf8(x.out + x.err);
            }
            return r;
        },
        this, [this, token](Result r) {
            if (token == m_token) onRebootCommandDone(r.linkError, r.exitStatus, r.output);
        });
}

void RebootVerifier::onRebootCommandDone(bool linkError, int exitStatus, const QString& output) {
    const QString shown = QStringLiteral("$ %1").arg(m_options.rebootCommand);
    // A command that dropped the link, or was killed by the shutdown (no exit status: -1), did
    // its job; a clean non-zero exit while the host is still up is a refusal ("sudo: a
    // password is required").
    if (!linkError && exitStatus > 0 && !m_wentDown)
        return fail(QStringLiteral("the reboot command failed (exit status %1)").arg(exitStatus),
                    shown + QStringLiteral("\n") + output.trimmed());
    pass(shown + (linkError ? QStringLiteral("\nconnection ended: ") + output.trimmed()
                            : QStringLiteral("\nexit status %1 %2").arg(exitStatus).arg(output.trimmed())));
}

void RebootVerifier::onConnectionLost(const QString& reason) {
    if (m_verdict != Verdict::Running) return;
    if (m_step < Step::IssueReboot) return;  // handled by the failing RPC of that step
    if (m_step == Step::IssueReboot || m_step == Step::HostDown) {
        m_wentDown = true;
        m_downReason = reason;
        m_downAtMs = m_clock->nowMs();
        if (m_step == Step::HostDown) pass(QStringLiteral("connection lost: %1").arg(reason));
        else if (!m_localCommand) pass(QStringLiteral("$ %1\nconnection lost while it ran: %2").arg(m_options.rebootCommand, reason));
        return;
    }
    if (m_step >= Step::NewBootId) fail(QStringLiteral("the connection was lost again: %1").arg(reason));
}

void RebootVerifier::onConnected() {
    if (m_verdict != Verdict::Running || m_step != Step::HostUp || !m_wentDown) return;
    m_session->setRebooting(false);
    pass(QStringLiteral("agent.hello answered %1 after the connection was lost; %2 failed attempts before")
             .arg(seconds(m_clock->nowMs() - m_downAtMs))
             .arg(m_session->failedAttempts()));
}

void RebootVerifier::checkNewBootId() {
    ask<method::HostFactsGet>({}, [this](const protocol::HostFacts& facts) {
        if (facts.boot_id == m_bootIdBefore)
            return fail(QStringLiteral("boot_id is unchanged: the host did not reboot (only the connection dropped)"),
                        QStringLiteral("boot_id before and after: %1").arg(q(facts.boot_id)));
        pass(QStringLiteral("boot_id %1 → %2; uptime %3 s").arg(q(m_bootIdBefore), q(facts.boot_id)).arg(facts.uptime_s));
    });
}

void RebootVerifier::checkAgentFromBoot() {
    const auto& hello = m_session->agent();
    if (!hello) return fail(QStringLiteral("no agent.hello answer on this connection"));
    const QString by = q(hello->started_by);
    const QString seen = QStringLiteral("agent %1 (pid %2) reports started_by \"%3\"")
                             .arg(q(hello->agent_version)).arg(hello->daemon_pid).arg(by);
    ask<method::BootStatusGet>({}, [this, by, seen](const protocol::BootStatus& boot) {
        const QString evidence = seen + QStringLiteral("\nboot.status: ") + q(boot.summary);
        if (by == QLatin1String("systemd-system") || by == QLatin1String("systemd-user") || by == QLatin1String("cron"))
            return pass(evidence);
        fail(QStringLiteral("the agent was not started by boot persistence (started_by \"%1\"): the panel's "
                            "connection started it").arg(by), evidence);
    }, [this, by, seen](const protocol::Error& e) {
        protocol::BootStatus none;
        none.summary = "unavailable (" + e.message + ")";
        if (by == QLatin1String("systemd-system") || by == QLatin1String("systemd-user") || by == QLatin1String("cron"))
            return pass(seen + QStringLiteral("\nboot.status: ") + q(none.summary));
        fail(QStringLiteral("the agent was not started by boot persistence (started_by \"%1\")").arg(by), seen);
    });
}

QString RebootVerifier::workersProblems(const protocol::WorkersListResult& workers, const std::set<std::string>& required,
                                        QStringList* bad, QVector<protocol::LogSource>* sources) {
    QStringList lines;
    std::set<std::string> seen;
    for (const auto& g : workers.groups) {
        seen.insert(g.name);
        if (!required.count(g.name) && g.desired_count == 0) continue;
        int running = 0;
        for (const auto& i : g.instances) {
            if (i.state == protocol::InstanceState::running) {
                ++running;
                continue;
            }
            QString line = QStringLiteral("%1[%2] port %3: %4").arg(q(g.name)).arg(i.index).arg(i.port)
                               .arg(q(nlohmann::json(i.state).get<std::string>()));
            if (i.last_exit) line += QStringLiteral(" (last exit: %1)").arg(q(i.last_exit->reason));
            *bad << line;
            sources->push_back({g.name, i.index});
        }
        if (running < g.desired_count)
            *bad << QStringLiteral("%1: %2 of %3 running %4").arg(q(g.name)).arg(running).arg(g.desired_count)
                        .arg(q(g.failing_reason));
        lines << QStringLiteral("%1: %2/%3 running").arg(q(g.name)).arg(running).arg(g.desired_count);
    }
    for (const auto& name : required)
        if (!seen.count(name)) *bad << QStringLiteral("%1: ran before the reboot, missing now").arg(q(name));
    return lines.isEmpty() ? QStringLiteral("no worker groups") : lines.join(QStringLiteral("; "));
}

void RebootVerifier::checkWorkers() {
    ask<method::WorkersList>({}, [this](const protocol::WorkersListResult& workers) {
        QStringList bad;
        QVector<protocol::LogSource> sources;
        const QString summary = workersProblems(workers, m_groupsBefore, &bad, &sources);
        if (bad.isEmpty()) return pass(summary);
        const QString evidence = summary + QStringLiteral("\n") + bad.join(QStringLiteral("\n"));
        // Still booting: look again until the phase timeout; a group that gave up will not heal.
        bool givenUp = false;
        for (const auto& g : workers.groups) givenUp |= g.state == protocol::GroupState::failing;
        const bool lastChance = m_clock->nowMs() + m_options.pollInterval.count() >=
                                current().startedAtMs + m_options.healthTimeout.count();
        if (!givenUp && !lastChance) return retryLater(evidence);
        failWorkers(bad, sources, evidence);
    });
}

// Fails the workers step with each failing instance's last log lines (a few instances).
void RebootVerifier::failWorkers(QStringList bad, QVector<protocol::LogSource> sources, QString evidence) {
    if (sources.isEmpty()) return fail(QStringLiteral("not every worker is running and healthy"), evidence);
    const protocol::LogSource source = sources.takeFirst();
    if (sources.size() >= kMaxLogSources) sources.resize(kMaxLogSources - 1);
    protocol::LogsTailParams params{source, m_options.logLines};
    ask<method::LogsTail>(params, [this, bad, sources, evidence, source](const protocol::LogsTailResult& tail) {
        QString text = evidence + QStringLiteral("\n--- last log lines of %1[%2] ---").arg(q(source.group)).arg(source.index.value_or(0));
        for (const auto& l : tail.lines) text += QStringLiteral("\n") + q(l.stream) + QStringLiteral(": ") + q(l.text);
        failWorkers(bad, sources, text);
    });
}

QStringList RebootVerifier::listenerAddresses(bool* tlsOnly) const {
    QStringList plain, tls;
    if (m_config.contains("listeners") && m_config["listeners"].is_array())
        for (const auto& l : m_config["listeners"]) {
            if (!l.is_object() || !l.contains("address") || !l["address"].is_string()) continue;
            const QString a = q(l["address"].get<std::string>());
            const bool redirect = l.contains("redirect_to_https") && l["redirect_to_https"].is_boolean() &&
                                  l["redirect_to_https"].get<bool>();
            (l.contains("tls") ? tls : plain) << a;
            if (redirect) plain.removeLast();  // answers 3xx, never reaches an upstream
        }
    *tlsOnly = plain.isEmpty() && !tls.isEmpty();
    return plain.isEmpty() ? tls : plain;
}

QString RebootVerifier::reachableAddress(const QString& address, QString* why) const {
    const qsizetype colon = address.lastIndexOf(QLatin1Char(':'));
    if (colon < 0) {
        *why = QStringLiteral("unparsable listener address %1").arg(address);
        return {};
    }
    QString host = address.left(colon);
    const QString port = address.mid(colon + 1);
    const bool wildcard = host == QLatin1String("0.0.0.0") || host == QLatin1String("[::]") || host.isEmpty();
    const bool loopback = host.startsWith(QLatin1String("127.")) || host == QLatin1String("[::1]") ||
                          host == QLatin1String("localhost");
    const QString hostAddress = m_session->endpoint().isLocal() ? QStringLiteral("127.0.0.1") : m_session->endpoint().ssh.hostName;
    if (wildcard) host = hostAddress;
    else if (loopback && !m_session->endpoint().isLocal()) {
        *why = QStringLiteral("%1 is bound to the host's loopback: not reachable from this computer").arg(address);
        return {};
    }
    return host + QLatin1Char(':') + port;
}

void RebootVerifier::checkListeners() {
    bool tlsOnly = false;
    const QStringList all = [&] {
        QStringList a;
        if (m_config.contains("listeners") && m_config["listeners"].is_array())
            for (const auto& l : m_config["listeners"])
                if (l.is_object() && l.contains("address") && l["address"].is_string()) a << q(l["address"].get<std::string>());
        return a;
    }();
    Q_UNUSED(tlsOnly);
    if (all.isEmpty()) return skip(QStringLiteral("the host config has no listeners"));
    // An agent without proxy.status: the connections below are the whole check.
    auto onProxy = [this, all](const protocol::ProxyStatus& proxy) {
        if (!proxy.running)
            return retryLater(QStringLiteral("the proxy is not running%1")
                                  .arg(proxy.last_exit ? QStringLiteral(" (last exit: %1)").arg(q(*proxy.last_exit)) : QString()));
        // Bound means this computer can connect: try each listener, all at once.
        auto results = std::make_shared<QStringList>();
        auto failures = std::make_shared<int>(0);
        auto remaining = std::make_shared<int>(int(all.size()));
        const quint64 token = m_token;
        const QString header = QStringLiteral("proxy pid %1, config version %2").arg(proxy.pid).arg(proxy.config_version);
        for (const QString& listener : all) {
            QString why;
            const QString target = reachableAddress(listener, &why);
            auto done = [this, token, results, failures, remaining, header](const QString& line, bool ok) {
                *results << line;
                if (!ok) ++*failures;
                if (--*remaining > 0 || token != m_token) return;
                const QString text = header + QStringLiteral("\n") + results->join(QStringLiteral("\n"));
                if (*failures == 0) pass(text);
                else retryLater(text);
            };
            if (target.isEmpty()) {
                done(listener + QStringLiteral(": not checked: ") + why, true);
                continue;
            }
            auto* socket = new QTcpSocket(this);
            const qsizetype colon = target.lastIndexOf(QLatin1Char(':'));
            QString host = target.left(colon);
            if (host.startsWith(QLatin1Char('['))) host = host.mid(1, host.size() - 2);
            connect(socket, &QTcpSocket::connected, this, [socket, listener, target, done] {
                done(listener + QStringLiteral(": accepts connections at ") + target, true);
                socket->abort();
                socket->deleteLater();
            });
            connect(socket, &QTcpSocket::errorOccurred, this, [socket, listener, target, done] {
                done(listener + QStringLiteral(": ") + target + QStringLiteral(": ") + socket->errorString(), false);
                socket->deleteLater();
            });
            socket->connectToHost(host, target.mid(colon + 1).toUShort());
        }
    };
    ask<method::ProxyStatusGet>({}, onProxy, [onProxy](const protocol::Error&) {
        protocol::ProxyStatus unknown;
        unknown.running = true;
        onProxy(unknown);
    });
}

int RebootVerifier::activeUpstreams(const protocol::WorkersListResult& workers) const {
    int count = 0;
    if (!m_config.contains("pools") || !m_config["pools"].is_array()) return 0;
    for (const auto& pool : m_config["pools"]) {
        if (!pool.is_object()) continue;
        if (pool.contains("follow_workers") && pool["follow_workers"].is_string()) {
            for (const auto& g : workers.groups)
                if (g.name == pool["follow_workers"].get<std::string>()) count += int(g.instances.size());
            continue;
        }
        if (!pool.contains("servers") || !pool["servers"].is_array()) continue;
        for (const auto& s : pool["servers"]) {
            if (!s.is_object()) continue;
            const bool backup = s.contains("backup") && s["backup"].is_boolean() && s["backup"].get<bool>();
            const bool active = !s.contains("state") || (s["state"].is_string() && s["state"].get<std::string>() == "active");
            if (active && !backup) ++count;
        }
    }
    return count;
}

void RebootVerifier::checkUpstreams() {
    bool tlsOnly = false;
    const QStringList listeners = listenerAddresses(&tlsOnly);
    QString why;
    QString target;
    for (const auto& l : listeners)
        if (!(target = reachableAddress(l, &why)).isEmpty()) break;
    if (target.isEmpty())
        return skip(listeners.isEmpty() ? QStringLiteral("no listener that forwards to a pool") : why);
    ask<method::WorkersList>({}, [this, target, tlsOnly](const protocol::WorkersListResult& workers) {
        const int upstreams = activeUpstreams(workers);
        if (upstreams == 0) return skip(QStringLiteral("no active upstream servers in any pool"));
        if (!m_http) m_http = new QNetworkAccessManager(this);
        const int total = std::min(kMaxRequests, std::max(4, 3 * upstreams));
        // /api/whoami of the demo app names the answering worker's port; other apps just
        // have to answer 2xx.
        const QUrl url(QStringLiteral("%1://%2/api/whoami").arg(tlsOnly ? QStringLiteral("https") : QStringLiteral("http"), target));
        struct Tally {
            int remaining = 0, ok = 0, failed = 0;
            std::set<int> ports;
            QStringList errors;
        };
        auto tally = std::make_shared<Tally>();
        tally->remaining = total;
        const quint64 token = m_token;
        for (int i = 0; i < total; ++i) {
            QNetworkRequest request(url);
            request.setTransferTimeout(int(m_options.rpcTimeout.count()));
            request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
            QNetworkReply* reply = m_http->get(request);
            if (tlsOnly) reply->ignoreSslErrors();  // self-signed host certificates are normal here
            connect(reply, &QNetworkReply::finished, this, [this, reply, tally, token, upstreams, total, url] {
                reply->deleteLater();
                const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                const QByteArray body = reply->read(4096);
                if (status >= 200 && status < 300) {
                    ++tally->ok;
                    // The answering worker names its port in a header (the demo app, and any app
                    // that copies it) or as "port" in the JSON body, a number or a string.
                    bool known = false;
                    int port = reply->rawHeader(QByteArrayLiteral("X-Worker-Port")).trimmed().toInt(&known);
                    if (!known) {
                        const QJsonValue v = QJsonDocument::fromJson(body).object().value(QStringLiteral("port"));
                        port = v.isDouble() ? v.toInt() : v.toString().toInt(&known);
                        known = known || v.isDouble();
                    }
                    if (known && port > 0 && port < 65536) tally->ports.insert(port);
                } else {
                    ++tally->failed;
                    if (tally->errors.size() < 5)
                        tally->errors << QStringLiteral("HTTP %1 %2").arg(status).arg(reply->errorString());
                }
                if (--tally->remaining > 0 || token != m_token) return;
                QString text = QStringLiteral("GET %1 ×%2: %3 answered 2xx; %4 active upstreams")
                                   .arg(url.toString()).arg(total).arg(tally->ok).arg(upstreams);
                if (!tally->ports.empty()) {
                    QStringList ports;
                    for (int p : tally->ports) ports << QString::number(p);
                    text += QStringLiteral("; answered from ports %1").arg(ports.join(QStringLiteral(", ")));
                }
                if (!tally->errors.isEmpty()) text += QStringLiteral("\n") + tally->errors.join(QStringLiteral("\n"));
                const bool allReached = tally->ports.empty() || int(tally->ports.size()) >= upstreams;
                if (tally->failed == 0 && allReached) return pass(text);
                retryLater(text);
            });
        }
    });
}

void RebootVerifier::stabilityRound() {
    ++m_stabilityRounds;
    ask<method::WorkersList>({}, [this](const protocol::WorkersListResult& workers) {
        QStringList bad;
        QVector<protocol::LogSource> sources;
        const QString summary = workersProblems(workers, m_groupsBefore, &bad, &sources);
        if (!bad.isEmpty()) return failWorkers(bad, sources, summary + QStringLiteral("\n") + bad.join(QStringLiteral("\n")));
        auto onProxy = [this, summary](const protocol::ProxyStatus& proxy) {
            const bool wantProxy = m_config.contains("listeners") && m_config["listeners"].is_array() && !m_config["listeners"].empty();
            if (wantProxy && !proxy.running) return fail(QStringLiteral("the proxy stopped"), proxy.last_exit ? q(*proxy.last_exit) : QString());
            if (m_clock->nowMs() >= m_stabilityEndMs)
                return pass(QStringLiteral("%1 checks over %2, all healthy: %3")
                                .arg(m_stabilityRounds).arg(seconds(m_options.stability.count()), summary));
            const quint64 token = m_token;
            m_clock->callAfter(m_options.pollInterval, this, [this, token] {
                if (token == m_token && m_verdict == Verdict::Running) stabilityRound();
            });
        };
        ask<method::ProxyStatusGet>({}, onProxy, [onProxy](const protocol::Error&) {
            protocol::ProxyStatus unknown;  // an agent without proxy.status: workers only
            unknown.running = true;
            onProxy(unknown);
        });
    });
}

}  // namespace fulcrum::app
