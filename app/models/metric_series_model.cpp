#include "app/models/metric_series_model.h"

#include <QDateTime>

#include <algorithm>

namespace fulcrum::app {

MetricSeriesModel::MetricSeriesModel(QObject* parent, int capacity)
    : QAbstractTableModel(parent), m_ring(std::size_t(std::max(1, capacity))) {}

MetricSeriesModel::Sample MetricSeriesModel::fromProtocol(const protocol::MetricsSample& in) {
    Sample s;
    s.msecs = in.time_ms;
    s.proxyRunning = in.proxy_running;
    // The proxy reports per pool; the host's totals are their sums. Latency is per pool too:
    // p50 is averaged weighted by requests, p99 is the worst pool's (a sum would be meaningless,
    // and the worst tail is what an operator looks for).
    double weighted50 = 0;
    double requests = 0;
    for (const auto& p : in.pools) {
        const auto& t = p.traffic;
        requests += t.requests_per_s;
        weighted50 += t.p50_ms * t.requests_per_s;
        s.values[P99Column] = std::max(s.values[P99Column], t.p99_ms);
        s.values[Rate4xxColumn] += t.status_4xx_per_s;
        s.values[Rate5xxColumn] += t.status_5xx_per_s;
        s.values[ConnectionsColumn] += double(t.active_connections);
        s.values[BytesInColumn] += t.bytes_in_per_s;
        s.values[BytesOutColumn] += t.bytes_out_per_s;
        for (const auto& server : p.servers) {
            s.perServer.insert(QString::fromStdString(p.name) + QStringLiteral(" · ") + QString::fromStdString(server.address),
                               server.traffic.requests_per_s);
        }
    }
    s.values[RequestsColumn] = requests;
    if (requests > 0) {
        s.values[P50Column] = weighted50 / requests;
    } else if (!in.pools.empty()) {
        s.values[P50Column] = in.pools.front().traffic.p50_ms;
    }
    return s;
}

void MetricSeriesModel::noteServers(const Sample& s) {
    bool added = false;
    QStringList keys = s.perServer.keys();
    keys.sort();
    for (const auto& k : keys) {
        if (!m_serverKeys.contains(k)) {
            m_serverKeys << k;
            added = true;
        }
    }
    if (added) emit serverKeysChanged();
}

void MetricSeriesModel::setHistory(const std::vector<protocol::MetricsSample>& samples) {
    beginResetModel();
    m_ring.clear();
    m_serverKeys.clear();
    const std::size_t first = samples.size() > m_ring.capacity() ? samples.size() - m_ring.capacity() : 0;
    qint64 newest = 0;
    for (std::size_t i = first; i < samples.size(); ++i) {
        if (samples[i].time_ms <= newest) continue;
        newest = samples[i].time_ms;
        Sample s = fromProtocol(samples[i]);
        for (const auto& k : s.perServer.keys()) {
            if (!m_serverKeys.contains(k)) m_serverKeys << k;
        }
        m_ring.push(std::move(s));
    }
    // In order (by pool, then address): a legend of many servers is read by scanning it.
    m_serverKeys.sort();
    endResetModel();
    emit serverKeysChanged();
}

void MetricSeriesModel::push(Sample s) {
    noteServers(s);
    if (m_ring.full()) {
        // Views see the oldest row removed, then the new one inserted at the end.
        beginRemoveRows({}, 0, 0);
        m_ring.pop_front();
        endRemoveRows();
    }
    const int row = int(m_ring.size());
    beginInsertRows({}, row, row);
    m_ring.push(std::move(s));
    endInsertRows();
}

bool MetricSeriesModel::append(const protocol::MetricsSample& sample) {
    if (!m_ring.empty() && sample.time_ms <= m_ring.back().msecs) return false;
    push(fromProtocol(sample));
    return true;
}

void MetricSeriesModel::clear() {
    beginResetModel();
    m_ring.clear();
    m_serverKeys.clear();
    endResetModel();
    emit serverKeysChanged();
}

int MetricSeriesModel::firstRowWithin(int seconds) const {
    if (m_ring.empty()) return 0;
    const qint64 from = m_ring.back().msecs - qint64(seconds) * 1000;
    // Samples are in time order: binary search the first one inside the window.
    int lo = 0;
    int hi = int(m_ring.size());
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (m_ring[std::size_t(mid)].msecs < from) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

QList<QPointF> MetricSeriesModel::points(Column column, int seconds) const {
    QList<QPointF> out;
    if (column <= TimeColumn || column >= ColumnCount) return out;
    const int first = firstRowWithin(seconds);
    out.reserve(int(m_ring.size()) - first);
    for (int i = first; i < int(m_ring.size()); ++i) {
        const Sample& s = m_ring[std::size_t(i)];
        out.append(QPointF(double(s.msecs), s.values[column]));
    }
    return out;
}

QList<QPointF> MetricSeriesModel::serverPoints(const QString& key, int seconds) const {
    QList<QPointF> out;
    const int first = firstRowWithin(seconds);
    for (int i = first; i < int(m_ring.size()); ++i) {
        const Sample& s = m_ring[std::size_t(i)];
        out.append(QPointF(double(s.msecs), s.perServer.value(key)));
    }
    return out;
}

int MetricSeriesModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_ring.size()); }

int MetricSeriesModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant MetricSeriesModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
    const Sample& s = m_ring[std::size_t(index.row())];
    if (index.column() == TimeColumn) return QDateTime::fromMSecsSinceEpoch(s.msecs);
    return s.values[index.column()];
}

QVariant MetricSeriesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    static const char* names[ColumnCount] = {"Time", "Req/s", "p50 ms", "p99 ms", "4xx/s", "5xx/s", "Connections", "Bytes in/s", "Bytes out/s"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

}  // namespace fulcrum::app
