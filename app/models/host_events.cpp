#include "app/models/host_events.h"

#include "app/models/server_health.h"
#include "app/models/worker_model.h"

#include <QDateTime>

namespace fulcrum::app {

namespace {

QString exitWords(const protocol::ExitInfo& exit) {
    if (exit.signal) return QObject::tr("killed by signal %1").arg(*exit.signal);
    if (exit.exit_code) return QObject::tr("exit code %1").arg(*exit.exit_code);
    return QString::fromStdString(exit.reason);
}

}  // namespace

HostEvents::HostEvents(QObject* parent) : QAbstractListModel(parent) {}

void HostEvents::add(Level level, const QString& text, qint64 msecs) {
    beginInsertRows({}, 0, 0);
    m_events.push_front({msecs, level, text});
    endInsertRows();
    if (int(m_events.size()) > kMaxEvents) {
        beginRemoveRows({}, kMaxEvents, int(m_events.size()) - 1);
        m_events.resize(kMaxEvents);
        endRemoveRows();
    }
}

void HostEvents::forgetBaseline() {
    m_haveWorkers = false;
    m_groups.clear();
    m_instances.clear();
    m_haveSample = false;
    m_servers.clear();
    m_configVersion = -1;
}

void HostEvents::noteWorkers(const std::vector<protocol::WorkerGroupStatus>& groups, qint64 nowMsecs) {
    const bool baseline = !m_haveWorkers;
    m_haveWorkers = true;
    for (const auto& g : groups) {
        const QString name = QString::fromStdString(g.name);
        const auto previous = m_groups.constFind(name);
        if (!baseline && previous != m_groups.constEnd() && *previous != g.state) {
            if (g.state == protocol::GroupState::failing) {
                add(Level::Error,
                    g.failing_reason.empty()
                        ? tr("Workers \"%1\" are failing").arg(name)
                        : tr("Workers \"%1\" are failing: %2").arg(name, QString::fromStdString(g.failing_reason)),
                    nowMsecs);
            } else if (g.state == protocol::GroupState::stopped || g.state == protocol::GroupState::running) {
                add(Level::Info, tr("Workers \"%1\" are %2").arg(name, groupStateWord(g.state).toLower()), nowMsecs);
            }
        }
        m_groups.insert(name, g.state);
        for (const auto& w : g.instances) {
            const QString key = name + QLatin1Char('#') + QString::number(w.index);
            const auto seen = m_instances.constFind(key);
            if (!baseline && seen != m_instances.constEnd() && w.restarts > seen->restarts) {
                // The agent's own time of the exit, when it says.
                const qint64 at = w.last_exit && w.last_exit->at_ms > 0 ? w.last_exit->at_ms : nowMsecs;
                add(Level::Warning,
                    w.last_exit ? tr("Worker %1 #%2 (port %3) exited (%4) and was restarted")
                                      .arg(name)
                                      .arg(w.index)
                                      .arg(w.port)
                                      .arg(exitWords(*w.last_exit))
                                : tr("Worker %1 #%2 (port %3) was restarted").arg(name).arg(w.index).arg(w.port),
                    at);
            }
            m_instances.insert(key, {w.state, w.restarts});
        }
    }
}

void HostEvents::noteSample(const protocol::MetricsSample& sample) {
    const bool baseline = !m_haveSample;
    m_haveSample = true;
    const qint64 at = sample.time_ms;
    if (!baseline && sample.proxy_running != m_proxyRunning) {
        if (!sample.proxy_running) {
            add(Level::Error, tr("The proxy stopped"), at);
            m_sawProxyStop = true;
        } else {
            add(Level::Info, m_sawProxyStop ? tr("The proxy is running again") : tr("The proxy started"), at);
        }
    }
    m_proxyRunning = sample.proxy_running;
    if (m_proxyRunning) m_sawProxyStop = false;
    for (const auto& pool : sample.pools) {
        for (const auto& server : pool.servers) {
            const QString key = QString::fromStdString(pool.name) + QStringLiteral(" · ") + QString::fromStdString(server.address);
            const ServerHealth health = serverHealth(QString::fromStdString(server.state));
            const auto previous = m_servers.constFind(key);
            if (!baseline && previous != m_servers.constEnd() && *previous != health) {
                if (health == ServerHealth::Down) {
                    add(Level::Warning, tr("Server %1 is down (out of rotation)").arg(key), at);
                    m_sawServerDown.insert(key);
                } else if (health == ServerHealth::Healthy && *previous == ServerHealth::Down) {
                    add(Level::Info,
                        m_sawServerDown.contains(key) ? tr("Server %1 is healthy again").arg(key)
                                                      : tr("Server %1 is healthy").arg(key),
                        at);
                }
            }
            if (health == ServerHealth::Healthy) m_sawServerDown.remove(key);
            m_servers.insert(key, health);
        }
    }
}

void HostEvents::noteConfigVersion(qint64 version, qint64 nowMsecs) {
    if (version <= 0) return;
    if (m_configVersion > 0 && version != m_configVersion)
        add(Level::Info, tr("Configuration version %1 applied").arg(version), nowMsecs);
    m_configVersion = version;
}

int HostEvents::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_events.size()); }

QVariant HostEvents::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_events.size())) return {};
    const Event& e = m_events[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return QStringLiteral("%1  %2").arg(QDateTime::fromMSecsSinceEpoch(e.msecs).toString(QStringLiteral("HH:mm:ss")), e.text);
    case Qt::ToolTipRole: return QDateTime::fromMSecsSinceEpoch(e.msecs).toString(Qt::ISODate) + QLatin1Char(' ') + e.text;
    case TimeRole: return e.msecs;
    case LevelRole: return int(e.level);
    case TextRole: return e.text;
    default: return {};
    }
}

}  // namespace fulcrum::app
