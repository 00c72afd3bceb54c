#pragma once
// One host's traffic over the last hour, one row per 1 Hz sample (oldest first): total req/s,
// latency p50/p99, 4xx/5xx rates, active connections, bytes in/out, and req/s per upstream
// server. Loaded from metrics.history on open, then appended from metrics.sample; older than
// an hour falls out. points() gives a chart the last 1 min / 10 min / 1 h of a series.

#include "app/models/metric_ring.h"

#include "agent/protocol/metrics.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QPointF>

namespace fulcrum::app {

class MetricSeriesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        RequestsColumn,
        P50Column,
        P99Column,
        Rate4xxColumn,
        Rate5xxColumn,
        ConnectionsColumn,
        BytesInColumn,
        BytesOutColumn,
        ColumnCount
    };
    static constexpr int kCapacity = 3600;  // one hour at 1 Hz

    struct Sample {
        qint64 msecs = 0;
        double values[ColumnCount] = {};  // values[TimeColumn] unused
        QHash<QString, double> perServer;  // "pool · address" → req/s
        bool proxyRunning = false;
    };

    explicit MetricSeriesModel(QObject* parent = nullptr, int capacity = kCapacity);

    static Sample fromProtocol(const protocol::MetricsSample& sample);
    void setHistory(const std::vector<protocol::MetricsSample>& samples);
    // Appends unless it is not newer than the newest (duplicates after a reconnect).
    bool append(const protocol::MetricsSample& sample);
    void clear();

    int sampleCount() const { return int(m_ring.size()); }
    const Sample& sample(int row) const { return m_ring[std::size_t(row)]; }
    qint64 newestMsecs() const { return m_ring.empty() ? 0 : m_ring.back().msecs; }
    // (msecs, value) of the samples in the last `seconds` before the newest sample.
    QList<QPointF> points(Column column, int seconds) const;
    QList<QPointF> serverPoints(const QString& key, int seconds) const;
    // Every server key seen in the buffer, in order of first appearance.
    QStringList serverKeys() const { return m_serverKeys; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void serverKeysChanged();

private:
    int firstRowWithin(int seconds) const;
    void noteServers(const Sample& s);
    void push(Sample s);

    MetricRing<Sample> m_ring;
    QStringList m_serverKeys;
};

}  // namespace fulcrum::app
