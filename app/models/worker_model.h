#pragma once
// Worker groups and their instances as a tree: a group row (state, running/desired, summed
// CPU and memory) with one child per instance (state, pid, port, uptime, restarts, CPU, RSS).
// Fed by workers.list and workers.changed; a group's instances are inserted and removed as
// rows (not reset) so a view keeps its selection while a group scales.

#include "agent/protocol/workers.h"

#include <QAbstractItemModel>

namespace fulcrum::app {

class WorkerModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, StateColumn, PidColumn, UptimeColumn, RestartsColumn, CpuColumn, MemoryColumn, ColumnCount };
    enum Role {
        GroupRole = Qt::UserRole + 1,  // the group's name, on group and instance rows
        InstanceIndexRole,             // the instance's index; -1 on group rows
        StateRole,                     // the state's protocol name ("running", "backoff", ...)
        PortRole,
        DesiredRole,                   // group rows: desired count
    };

    explicit WorkerModel(QObject* parent = nullptr);

    void setGroups(const std::vector<protocol::WorkerGroupStatus>& groups);
    void updateGroup(const protocol::WorkerGroupStatus& group);
    void clear();
    const protocol::WorkerGroupStatus* group(const QString& name) const;
    const std::vector<protocol::WorkerGroupStatus>& groups() const { return m_groups; }
    QModelIndex groupIndex(const QString& name) const;
    QStringList groupNames() const;
    // "web" → ["127.0.0.1:8000", ...]: where each group's instances listen (for pools that
    // follow a group).
    QHash<QString, QStringList> addressesByGroup() const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant groupData(const protocol::WorkerGroupStatus& g, int column, int role) const;
    QVariant instanceData(const protocol::WorkerGroupStatus& g, const protocol::WorkerInstance& w, int column,
                          int role) const;
    int rowOfGroup(const std::string& name) const;

    std::vector<protocol::WorkerGroupStatus> m_groups;
};

QString instanceStateWord(protocol::InstanceState state);
QString groupStateWord(protocol::GroupState state);

}  // namespace fulcrum::app
