#include "app/ctl/ctl_host.h"

#include "app/ssh/destination.h"

#include <QDeadlineTimer>
#include <QDir>

namespace fulcrum::app::ctl {

std::variant<HostEndpoint, QString> resolveHost(const QString& host, const CtlArgs& args, const Inventory* inventory) {
    const HostEntry* entry = inventory ? inventory->find(host) : nullptr;
    if (host == QStringLiteral("local") || (entry && entry->local)) return HostEndpoint::thisComputer();

    const QString sshDir = QDir::homePath() + QStringLiteral("/.ssh");
    const SshConfig config = SshConfig::load(sshDir + QStringLiteral("/config"), sshDir);
    TargetOverrides overrides;
    overrides.port = args.port;
    overrides.identityFiles = args.identityFiles;
    overrides.user = args.user;
    SshTarget target;
    if (entry) {
        HostEntry e = *entry;
        if (args.port) e.port = *args.port;
        if (!args.user.isEmpty()) e.user = args.user;
        if (!args.identityFiles.isEmpty()) e.identityFile = args.identityFiles.front();
        target = e.target(config, QDir::homePath());
    } else {
        const auto destination = parseDestination(host);
        if (const auto* error = std::get_if<QString>(&destination)) return *error;
        target = resolveTarget(std::get<Destination>(destination), config, overrides, QDir::homePath());
    }
    if (args.acceptNew) target.hostKeyPolicy = HostKeyPolicy::AcceptNew;
    target.connectTimeout = std::chrono::seconds(std::min(args.timeoutSeconds, 60));
    HostEndpoint endpoint = HostEndpoint::overSsh(target);
    endpoint.label = host;  // printed as typed; the resolved user@address:port only where it helps
    return endpoint;
}

int reportSessionFailure(const HostSession& session, QTextStream& err) {
    using Problem = HostSession::Problem;
    err << "fulcrum-ctl: " << session.statusText() << "\n";
    switch (session.problem()) {
    case Problem::HostKeyUnknown:
        err << "Run again with --accept-new to trust this key (after checking the fingerprint), or connect once "
               "with ssh(1).\n";
        return kExitHostKey;
    case Problem::HostKeyChanged:
        return kExitHostKey;
    case Problem::AuthFailed:
    case Problem::Network:
        return kExitConnect;
    case Problem::AgentMissing:
    case Problem::AgentIncompatible:
        err << "Run: fulcrum-ctl deploy " << session.displayName() << "\n";
        return kExitFailed;
    case Problem::Local:
    case Problem::None:
        break;
    }
    return session.state() == HostSession::State::Unreachable ? kExitConnect : kExitFailed;
}

bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    if (done()) return true;
    QEventLoop loop;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done()) loop.quit();
    });
    poll.start(20);
    QTimer::singleShot(timeout, &loop, &QEventLoop::quit);
    loop.exec();
    return done();
}

CtlHost::CtlHost(HostEndpoint endpoint, std::shared_ptr<AuthPrompter> prompter, const CtlArgs& args, bool reconnect)
    : m_timeout(std::chrono::seconds(args.timeoutSeconds)) {
    SessionTimings timings;
    timings.reconnect = reconnect;
    timings.helloTimeout = m_timeout;
    timings.reconnectInitial = std::chrono::milliseconds(300);
    timings.reconnectMax = std::chrono::seconds(3);
    m_session = std::make_unique<HostSession>(std::move(endpoint), std::move(prompter), timings);
}

int CtlHost::connect(QTextStream& err, bool allowMissingAgent) {
    using State = HostSession::State;
    m_session->open();
    const bool settled = waitFor(
        [this] {
            const State s = m_session->state();
            return s == State::Connected || s == State::Error || s == State::Unreachable;
        },
        m_timeout + std::chrono::seconds(5));
    const State state = m_session->state();
    if (state == State::Connected) return kExitOk;
    if (allowMissingAgent && state == State::Error &&
        (m_session->problem() == HostSession::Problem::AgentMissing ||
         m_session->problem() == HostSession::Problem::AgentIncompatible)) {
        return kExitOk;
    }
    if (!settled) {
        err << "fulcrum-ctl: " << m_session->displayName() << " did not answer within "
            << (m_timeout.count() / 1000) << " s (" << m_session->statusText() << ")\n";
        return kExitConnect;
    }
    return reportSessionFailure(*m_session, err);
}

}  // namespace fulcrum::app::ctl
