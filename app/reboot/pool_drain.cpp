#include "app/reboot/pool_drain.h"

#include "app/rpc/host_session.h"

#include <QHostAddress>

namespace fulcrum::app {

namespace method = protocol::method;

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

// "10.0.0.5:80" → "10.0.0.5", "[::1]:80" → "::1", "web2" → "web2".
QString hostPart(const QString& address) {
    const qsizetype colon = address.lastIndexOf(QLatin1Char(':'));
    QString host = colon < 0 ? address : address.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']'))) host = host.mid(1, host.size() - 2);
    return host;
}

QString stateOf(const nlohmann::json& server) {
    return server.contains("state") && server["state"].is_string() ? q(server["state"].get<std::string>())
                                                                   : QStringLiteral("active");
}

// The servers of a pool document that are listed explicitly. A follow_workers pool counts
// too: the agent adds the followed workers (its own, on 127.0.0.1) only to the proxy's
// effective config, so the servers written in the document are still other hosts' as well.
nlohmann::json* explicitServers(nlohmann::json& pool) {
    if (!pool.is_object()) return nullptr;
    auto it = pool.find("servers");
    return it != pool.end() && it->is_array() ? &*it : nullptr;
}

}  // namespace

PoolDrain::PoolDrain(QVector<HostSession*> poolHosts, QStringList targetAddresses, DrainOptions options,
                     std::shared_ptr<RebootClock> clock, QObject* parent)
    : QObject(parent),
      m_targets(std::move(targetAddresses)),
      m_options(options),
      m_clock(clock ? std::move(clock) : std::make_shared<SystemRebootClock>()) {
    for (HostSession* s : poolHosts) m_hosts.push_back(s);
    m_baselineMs.fill(0, m_hosts.size());
}

bool PoolDrain::addressOnHost(const QString& address, const QStringList& targetAddresses) {
    const QString host = hostPart(address);
    for (const QString& target : targetAddresses)
        if (!target.isEmpty() && host.compare(target, Qt::CaseInsensitive) == 0) return true;
    return false;
}

bool PoolDrain::addressInNetworks(const QString& address, const QStringList& networks) {
    const QHostAddress ip(hostPart(address));
    if (ip.isNull()) return false;
    for (const QString& network : networks) {
        const auto subnet = QHostAddress::parseSubnet(network);
        if (!subnet.first.isNull() && ip.isInSubnet(subnet)) return true;
    }
    return false;
}

void PoolDrain::setTargetMachine(const QString& bootId, const QStringList& reportedAddresses) {
    m_targetBootId = bootId;
    m_targetReported = reportedAddresses;
}

PoolDrain::Matcher PoolDrain::matcherFor(const protocol::HostFacts* poolHost) const {
    Matcher m{m_targets, {}};
    if (!poolHost) return m;
    const bool sameMachine = !m_targetBootId.isEmpty() && q(poolHost->boot_id) == m_targetBootId;
    QList<QHostAddress> own;
    for (const auto& entry : poolHost->addresses) own << QHostAddress(q(entry).section(QLatin1Char('/'), 0, 0));
    for (const QString& entry : m_targetReported) {
        const QHostAddress address(entry.section(QLatin1Char('/'), 0, 0));
        if (address.isNull()) continue;
        if (address.isLoopback()) {
            // Linux answers on the whole loopback network, not only on the configured address.
            if (sameMachine) m.networks << entry;
        } else if (sameMachine || !own.contains(address)) {
            m.names << address.toString();
        }
    }
    return m;
}

QString PoolDrain::hostName(int index) const {
    return m_hosts[index] ? m_hosts[index]->displayName() : QStringLiteral("(closed session)");
}

// One RPC to pool host `host`; errors (agent, timeout, lost connection) go to onError as text.
template <class M, class F>
void PoolDrain::ask(int host, const typename M::Params& params, F&& onResult,
                    std::function<void(const QString&)> onError) {
    HostSession* session = m_hosts[host];
    if (!session || !session->rpc() || session->state() != HostSession::State::Connected)
        return onError(QStringLiteral("%1 is not connected").arg(hostName(host)));
    session->rpc()->call<M>(
        params, this,
        [f = std::forward<F>(onResult), onError, host, this](protocol::Outcome<typename M::Result> outcome) {
            if (!outcome.ok())
                return onError(QStringLiteral("%1: %2 failed: %3")
                                   .arg(hostName(host), q(std::string(M::name)), q(outcome.error().message)));
            f(outcome.value());
        },
        m_options.rpcTimeout);
}

void PoolDrain::drain() {
    m_drainLog.clear();
    if (m_targets.isEmpty())
        return finishDrain(false, QStringLiteral("no address to recognise the host by in pools"));
    drainHost(0);
}

void PoolDrain::finishDrain(bool ok, const QString& line) {
    if (m_drainDone) return;
    m_drainDone = true;
    if (!line.isEmpty()) m_drainLog << line;
    if (m_drainLog.isEmpty())
        m_drainLog << QStringLiteral("no pool on the other hosts has a server on %1")
                          .arg(m_targets.join(QStringLiteral(", ")));
    emit drained(ok, m_drainLog.join(QLatin1Char('\n')));
}

// Pool host by pool host: the config, one apply that sets every matching server to draining,
// then the newest metrics sample (the baseline: "in flight" counts only from samples after it).
void PoolDrain::drainHost(int index) {
    if (index >= m_hosts.size()) return waitInFlight();
    if (m_targetReported.isEmpty()) return drainPools(index, matcherFor(nullptr));
    // Which of the target's addresses this pool host has too decides what they mean here.
    ask<method::HostFactsGet>(
        index, {}, [this, index](const protocol::HostFacts& facts) { drainPools(index, matcherFor(&facts)); },
        [this](const QString& why) { finishDrain(false, QStringLiteral("cannot drain: ") + why); });
}

void PoolDrain::drainPools(int index, const Matcher& matcher) {
    auto failed = [this](const QString& why) { finishDrain(false, QStringLiteral("cannot drain: ") + why); };
    ask<method::ConfigGet>(
        index, {},
        [this, index, matcher, failed](const protocol::ConfigGetResult& current) {
            nlohmann::json document = current.document;
            QStringList changed;
            QVector<Server> found;
            if (document.is_object() && document.contains("pools") && document["pools"].is_array()) {
                for (auto& pool : document["pools"]) {
                    nlohmann::json* servers = explicitServers(pool);
                    if (!servers) continue;
                    const QString poolName = q(pool.value("name", std::string()));
                    for (auto& server : *servers) {
                        if (!server.is_object() || !server.contains("address") ||
                            !server["address"].is_string())
                            continue;
                        const QString address = q(server["address"].get<std::string>());
                        const QString state = stateOf(server);
                        const bool onTarget = addressOnHost(address, matcher.names) ||
                                              addressInNetworks(address, matcher.networks);
                        if (!onTarget || state == QLatin1String("disabled"))
                            continue;
                        found.push_back({int(index), poolName, address, state, -1});
                        if (state == QLatin1String("draining")) continue;  // already: restored to draining
                        server["state"] = "draining";
                        changed << QStringLiteral("%1 in pool %2 (was %3)").arg(address, poolName, state);
                    }
                }
            }
            for (const auto& f : found)
                if (f.previousState == QLatin1String("draining"))
                    m_drainLog << QStringLiteral("%1: %2 in pool %3 was draining already")
                                      .arg(hostName(index), f.address, f.pool);
            if (changed.isEmpty()) {
                m_servers += found;
                return drainHost(index + 1);
            }
            protocol::ConfigApplyParams params;
            params.config.document = document;
            params.expected_version = current.version;
            params.comment = QStringLiteral("rolling reboot: drain %1").arg(m_targets.value(0)).toStdString();
            // Recorded only once applied: a refused apply changed nothing that restore() must undo.
            ask<method::ConfigApply>(
                index, params,
                [this, index, changed, found, failed](const protocol::ConfigApplyResult& applied) {
                    m_servers += found;
                    m_drainLog << QStringLiteral("%1: draining %2 (config version %3)")
                                      .arg(hostName(index), changed.join(QStringLiteral(", ")))
                                      .arg(applied.version);
                    emit progress(m_drainLog.back());
                    // Only samples taken after this one can show the drained state.
                    protocol::MetricsHistoryParams latest;
                    latest.max_samples = 1;
                    ask<method::MetricsHistory>(
                        index, latest,
                        [this, index](const protocol::MetricsHistoryResult& history) {
                            m_baselineMs[index] =
                                history.samples.empty() ? 0 : history.samples.back().time_ms;
                            drainHost(index + 1);
                        },
                        failed);
                },
                failed);
        },
        failed);
}

void PoolDrain::waitInFlight() {
    if (m_servers.isEmpty()) return finishDrain(true, {});
    m_inFlightDeadlineMs = m_clock->nowMs() + m_options.inFlightTimeout.count();
    auto remaining = std::make_shared<int>(int(m_hosts.size()));
    for (int i = 0; i < m_hosts.size(); ++i) checkInFlight(i, remaining);
}

// Reads the pool host's samples taken after the drain; a drained server with requests in flight
// (or no sample yet) keeps the wait going.
void PoolDrain::checkInFlight(int index, std::shared_ptr<int> remaining) {
    auto done = [this, remaining] {
        if (--*remaining > 0 || m_drainDone) return;
        QStringList busy;
        for (const auto& s : m_servers)
            if (s.inFlight != 0)
                busy << QStringLiteral("%1 in pool %2 on %3: %4")
                            .arg(s.address, s.pool, hostName(s.poolHost),
                                 s.inFlight < 0 ? QStringLiteral("no sample yet")
                                                : QStringLiteral("%1 in flight").arg(s.inFlight));
        if (busy.isEmpty())
            return finishDrain(true, QStringLiteral("no request in flight on the drained servers"));
        if (m_clock->nowMs() >= m_inFlightDeadlineMs)
            return finishDrain(false, QStringLiteral("requests still in flight after %1 s:\n  %2")
                                          .arg(m_options.inFlightTimeout.count() / 1000)
                                          .arg(busy.join(QStringLiteral("\n  "))));
        emit progress(QStringLiteral("waiting for requests in flight: ") + busy.join(QStringLiteral("; ")));
        m_clock->callAfter(m_options.pollInterval, this, [this] {
            if (m_drainDone) return;
            auto again = std::make_shared<int>(int(m_hosts.size()));
            for (int i = 0; i < m_hosts.size(); ++i) checkInFlight(i, again);
        });
    };
    bool drainsHere = false;
    for (const auto& s : m_servers) drainsHere |= s.poolHost == index;
    if (!drainsHere) return done();
    protocol::MetricsHistoryParams params;
    params.since_ms = m_baselineMs[index];
    params.max_samples = 5;
    ask<method::MetricsHistory>(
        index, params,
        [this, index, done](const protocol::MetricsHistoryResult& history) {
            if (!history.samples.empty()) {
                const auto& sample = history.samples.back();
                for (auto& s : m_servers) {
                    if (s.poolHost != index) continue;
                    s.inFlight = 0;  // a sample after the drain that does not list it: nothing runs there
                    for (const auto& pool : sample.pools) {
                        if (q(pool.name) != s.pool) continue;
                        for (const auto& server : pool.servers)
                            if (q(server.address) == s.address)
                                s.inFlight = server.traffic.active_connections;
                    }
                }
            }
            done();
        },
        [this](const QString& why) {
            finishDrain(false, QStringLiteral("cannot watch requests in flight: ") + why);
        });
}

void PoolDrain::restore() {
    m_restoreLog.clear();
    m_restoreOk = true;
    restoreHost(0, 0);
}

// Sets back what drain() changed, on the current document (re-read: the pool may have been
// edited meanwhile); a conflict with a concurrent edit is retried once on the newer version.
void PoolDrain::restoreHost(int index, int attempt) {
    if (index >= m_hosts.size()) return finishRestore();
    bool anyHere = false;
    for (const auto& s : m_servers)
        anyHere |= s.poolHost == index && s.previousState != QLatin1String("draining");
    if (!anyHere) return restoreHost(index + 1, 0);
    auto failed = [this, index](const QString& why) {
        m_restoreOk = false;
        m_restoreLog << QStringLiteral(
                            "NOT restored on %1: %2 — set them back by hand (fulcrum-ctl pool enable)")
                            .arg(hostName(index), why);
        emit progress(m_restoreLog.back());
        restoreHost(index + 1, 0);
    };
    ask<method::ConfigGet>(
        index, {},
        [this, index, attempt, failed](const protocol::ConfigGetResult& current) {
            nlohmann::json document = current.document;
            QStringList restored, leftAlone;
            for (const auto& s : m_servers) {
                if (s.poolHost != index || s.previousState == QLatin1String("draining")) continue;
                nlohmann::json* found = nullptr;
                if (document.is_object() && document.contains("pools") && document["pools"].is_array())
                    for (auto& pool : document["pools"]) {
                        nlohmann::json* servers = explicitServers(pool);
                        if (!servers || q(pool.value("name", std::string())) != s.pool) continue;
                        for (auto& server : *servers)
                            if (server.is_object() && q(server.value("address", std::string())) == s.address)
                                found = &server;
                    }
                if (!found) {
                    leftAlone << QStringLiteral("%1 in pool %2 (removed meanwhile)").arg(s.address, s.pool);
                } else if (stateOf(*found) != QLatin1String("draining")) {
                    leftAlone << QStringLiteral("%1 in pool %2 (changed meanwhile to %3)")
                                     .arg(s.address, s.pool, stateOf(*found));
                } else {
                    (*found)["state"] = s.previousState.toStdString();
                    restored << QStringLiteral("%1 in pool %2 to %3").arg(s.address, s.pool, s.previousState);
                }
            }
            if (!leftAlone.isEmpty())
                m_restoreLog << QStringLiteral("%1: left alone %2")
                                    .arg(hostName(index), leftAlone.join(QStringLiteral(", ")));
            if (restored.isEmpty()) return restoreHost(index + 1, 0);
            protocol::ConfigApplyParams params;
            params.config.document = document;
            params.expected_version = current.version;
            params.comment =
                QStringLiteral("rolling reboot: restore %1").arg(m_targets.value(0)).toStdString();
            ask<method::ConfigApply>(
                index, params,
                [this, index, restored](const protocol::ConfigApplyResult& applied) {
                    m_restoreLog << QStringLiteral("%1: restored %2 (config version %3)")
                                        .arg(hostName(index), restored.join(QStringLiteral(", ")))
                                        .arg(applied.version);
                    emit progress(m_restoreLog.back());
                    restoreHost(index + 1, 0);
                },
                [this, index, attempt, failed](const QString& why) {
                    if (attempt == 0)
                        return restoreHost(index, 1);  // someone applied meanwhile: once more on theirs
                    failed(why);
                });
        },
        failed);
}

void PoolDrain::finishRestore() {
    if (m_restoreLog.isEmpty()) m_restoreLog << QStringLiteral("nothing to restore");
    emit restored(m_restoreOk, m_restoreLog.join(QLatin1Char('\n')));
}

}  // namespace fulcrum::app
