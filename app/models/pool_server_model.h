#pragma once
// The servers of one pool as a table: address, weight (editable in place), configured state,
// live health, active connections and req/s. Rows are the staged servers, then the servers a
// worker group contributes ("follow_workers"), which are read-only here: they change with the
// group. Rows that differ from the applied config say so (StagedRole) until applied.

#include "agent/protocol/metrics.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QPointer>

namespace fulcrum::app {

class StagedConfig;

class PoolServerModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { AddressColumn, WeightColumn, StateColumn, HealthColumn, ConnectionsColumn, RequestsColumn, ColumnCount };
    enum Role {
        AddressRole = Qt::UserRole + 1,
        StateRole,        // "active" | "draining" | "disabled"
        HealthRole,       // the sample's word ("active", "down", ...; see server_health.h) or empty
        FollowedRole,     // bool: contributed by a worker group, not listed in the pool
        StagedRole,       // "added" | "changed" | "" relative to the applied config
        RequestsRole,     // double req/s
        ConnectionsRole,  // qint64
    };

    explicit PoolServerModel(StagedConfig* config, QObject* parent = nullptr);

    void setPool(const QString& name);
    QString pool() const { return m_pool; }
    // Addresses each worker group serves on ("web" → 127.0.0.1:8000, ...), from workers.list.
    void setWorkerAddresses(const QHash<QString, QStringList>& addresses);
    // Live numbers from the newest metrics sample.
    void setLive(const std::vector<protocol::PoolSample>& pools);
    void clearLive();
    QString addressAt(int row) const;
    bool isFollowed(int row) const;
    int rowOf(const QString& address) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

signals:
    // An in-place edit was refused (e.g. a weight out of range); says why.
    void editRejected(const QString& reason);

private:
    struct Row {
        QString address;
        int weight = 1;
        QString state;
        bool backup = false;
        bool followed = false;
        QString staged;
    };
    struct Live {
        QString health;
        double requests = 0;
        qint64 connections = 0;
    };
    void refresh();
    QList<Row> buildRows() const;

    QPointer<StagedConfig> m_config;
    QString m_pool;
    QHash<QString, QStringList> m_workerAddresses;
    QHash<QString, QHash<QString, Live>> m_live;  // pool → address → numbers
    bool m_haveLive = false;
    QList<Row> m_rows;
};

}  // namespace fulcrum::app
