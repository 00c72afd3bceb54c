#include "ui/host/ProxyWatch.h"

#include "app/models/format.h"

namespace fulcrum::ui {

namespace method = protocol::method;

ProxyWatch::ProxyWatch(app::HostSession* session, QObject* parent) : HostPart(session, parent) {}

void ProxyWatch::connected() {
    if (wireOnce()) {
        connect(rpc(), &app::RpcClient::proxyChanged, this,
                [this](const protocol::ProxyChanged& change) { setStatus(change.proxy); });
    }
    call<method::ProxyStatusGet>({}, [this](protocol::Outcome<protocol::ProxyStatus> result) {
        setStatus(result ? std::optional<protocol::ProxyStatus>(result.value()) : std::nullopt);
    });
}

void ProxyWatch::disconnected() {
    ++m_generation;
    m_status.reset();
    m_problem.reset();
    emit changed();
}

void ProxyWatch::setStatus(const std::optional<protocol::ProxyStatus>& status) {
    const quint64 generation = ++m_generation;
    m_status = status;
    const bool down = status && status->configured && !status->running;
    if (!down) m_lastError.clear();
    publish();
    if (!down) return;
    // What the proxy itself said is in its stderr log; the status carries only the exit.
    protocol::LogsTailParams tail;
    tail.source.group = "proxy";
    tail.lines = 40;
    call<method::LogsTail>(tail, [this, generation](protocol::Outcome<protocol::LogsTailResult> result) {
        if (generation != m_generation || !result) return;
        const QString line = lastProxyErrorLine(result.value());
        if (line == m_lastError) return;
        m_lastError = line;
        publish();
    });
}

void ProxyWatch::publish() {
    m_problem = m_status ? proxyProblem(*m_status, m_lastError) : std::nullopt;
    emit changed();
}

void ProxyWatch::startAgain(std::function<void(const QString&)> done) {
    // The host's current document, sent back unchanged: the agent answers "nothing to do"
    // for the config and gives a failing proxy a fresh set of tries; no new version is made.
    call<method::ConfigGet>({}, [this, done = std::move(done)](protocol::Outcome<protocol::ConfigGetResult> current) {
        if (!current) return done(app::plainError(tr("Reading the host's configuration"), current.error()));
        protocol::ConfigApplyParams params;
        params.config.document = current.value().document;
        params.expected_version = current.value().version;
        params.comment = "start the proxy again (Fulcrum panel)";
        call<method::ConfigApply>(params, [done](protocol::Outcome<protocol::ConfigApplyResult> result) {
            done(result ? QString() : app::plainError(tr("Starting the proxy again"), result.error()));
        });
    });
}

}  // namespace fulcrum::ui
