#pragma once
// What happened on a host since the panel connected, newest first, for the Overview: worker
// restarts and groups changing state, pool servers going down and coming back, the proxy
// stopping and starting, configurations applied, actions that failed. Built only from what
// the panel already receives (workers.list / workers.changed, metrics samples, config.changed
// and the pages' own errors): the first look at each source is the baseline, not an event.
// Bounded: the oldest events fall out.

#include "agent/protocol/metrics.h"
#include "agent/protocol/workers.h"
#include "app/models/server_health.h"

#include <QAbstractListModel>
#include <QHash>
#include <QSet>
#include <deque>

namespace fulcrum::app {

class HostEvents : public QAbstractListModel {
    Q_OBJECT
public:
    enum class Level { Info, Warning, Error };
    enum Role { TimeRole = Qt::UserRole + 1, LevelRole, TextRole };
    struct Event {
        qint64 msecs = 0;
        Level level = Level::Info;
        QString text;
    };
    static constexpr int kMaxEvents = 100;

    explicit HostEvents(QObject* parent = nullptr);

    void add(Level level, const QString& text, qint64 msecs);
    // Compares with the previous call; the first call after forgetBaseline() only records.
    void noteWorkers(const std::vector<protocol::WorkerGroupStatus>& groups, qint64 nowMsecs);
    void noteSample(const protocol::MetricsSample& sample);
    void noteConfigVersion(qint64 version, qint64 nowMsecs);
    // After a reconnection the host may have changed in ways nobody saw: start over.
    void forgetBaseline();

    const Event& eventAt(int row) const { return m_events[std::size_t(row)]; }
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

private:
    struct InstanceSeen {
        protocol::InstanceState state;
        int restarts;
    };
    std::deque<Event> m_events;  // newest first
    bool m_haveWorkers = false;
    QHash<QString, protocol::GroupState> m_groups;
    QHash<QString, InstanceSeen> m_instances;  // "group#index"
    bool m_haveSample = false;
    bool m_proxyRunning = false;
    // "Again" only follows a stop or a fall the panel saw itself: a proxy first seen starting
    // (the demo's, just applied) has "started", a server first seen down "is healthy". Kept
    // across forgetBaseline(): what the panel saw before a reconnection it still saw.
    bool m_sawProxyStop = false;
    QHash<QString, ServerHealth> m_servers;  // "pool · address" → health
    QSet<QString> m_sawServerDown;           // went down while the panel watched, not healthy since
    qint64 m_configVersion = -1;
};

}  // namespace fulcrum::app
