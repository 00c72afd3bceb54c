#include "app/models/worker_model.h"

#include "app/models/format.h"

#include <algorithm>

namespace fulcrum::app {

// Group rows carry internalId 0; instance rows carry their group's row + 1, which is all
// parent() needs and stays valid while instances of that group are added or removed.
namespace {
constexpr quintptr kGroupId = 0;

QString protocolName(const auto& value) { return QString::fromStdString(nlohmann::json(value).get<std::string>()); }
}  // namespace

QString instanceStateWord(protocol::InstanceState state) {
    using S = protocol::InstanceState;
    switch (state) {
    case S::starting: return QObject::tr("Starting");
    case S::running: return QObject::tr("Running");
    case S::unhealthy: return QObject::tr("Unhealthy");
    case S::backoff: return QObject::tr("Restarting soon");
    case S::failing: return QObject::tr("Failing — gave up");
    case S::stopping: return QObject::tr("Stopping");
    case S::stopped: return QObject::tr("Stopped");
    case S::unknown: break;
    }
    return QObject::tr("Unknown");
}

QString groupStateWord(protocol::GroupState state) {
    using S = protocol::GroupState;
    switch (state) {
    case S::running: return QObject::tr("Running");
    case S::degraded: return QObject::tr("Degraded");
    case S::failing: return QObject::tr("Failing");
    case S::stopped: return QObject::tr("Stopped");
    case S::unknown: break;
    }
    return QObject::tr("Unknown");
}

WorkerModel::WorkerModel(QObject* parent) : QAbstractItemModel(parent) {}

int WorkerModel::rowOfGroup(const std::string& name) const {
    for (std::size_t i = 0; i < m_groups.size(); ++i) {
        if (m_groups[i].name == name) return int(i);
    }
    return -1;
}

void WorkerModel::setGroups(const std::vector<protocol::WorkerGroupStatus>& groups) {
    for (int i = int(m_groups.size()) - 1; i >= 0; --i) {
        const bool kept = std::any_of(groups.begin(), groups.end(), [&](const auto& g) { return g.name == m_groups[i].name; });
        if (kept) continue;
        beginRemoveRows({}, i, i);
        m_groups.erase(m_groups.begin() + i);
        endRemoveRows();
    }
    for (const auto& g : groups) updateGroup(g);
}

void WorkerModel::updateGroup(const protocol::WorkerGroupStatus& g) {
    const int row = rowOfGroup(g.name);
    if (row < 0) {
        const int at = int(m_groups.size());
        beginInsertRows({}, at, at);
        m_groups.push_back(g);
        endInsertRows();
        return;
    }
    const QModelIndex parentIndex = index(row, 0);
    auto& current = m_groups[std::size_t(row)];
    const int before = int(current.instances.size());
    const int after = int(g.instances.size());
    if (after < before) {
        beginRemoveRows(parentIndex, after, before - 1);
        current.instances.resize(std::size_t(after));
        endRemoveRows();
    } else if (after > before) {
        beginInsertRows(parentIndex, before, after - 1);
        current.instances.insert(current.instances.end(), g.instances.begin() + before, g.instances.end());
        endInsertRows();
    }
    current = g;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    if (after > 0) emit dataChanged(index(0, 0, parentIndex), index(after - 1, ColumnCount - 1, parentIndex));
}

void WorkerModel::clear() {
    beginResetModel();
    m_groups.clear();
    endResetModel();
}

const protocol::WorkerGroupStatus* WorkerModel::group(const QString& name) const {
    const int row = rowOfGroup(name.toStdString());
    return row < 0 ? nullptr : &m_groups[std::size_t(row)];
}

QModelIndex WorkerModel::groupIndex(const QString& name) const {
    const int row = rowOfGroup(name.toStdString());
    return row < 0 ? QModelIndex() : index(row, 0);
}

QStringList WorkerModel::groupNames() const {
    QStringList names;
    for (const auto& g : m_groups) names << QString::fromStdString(g.name);
    return names;
}

QHash<QString, QStringList> WorkerModel::addressesByGroup() const {
    QHash<QString, QStringList> out;
    for (const auto& g : m_groups) {
        QStringList& list = out[QString::fromStdString(g.name)];
        for (const auto& w : g.instances) {
            if (w.port > 0) list << QStringLiteral("127.0.0.1:%1").arg(w.port);
        }
    }
    return out;
}

QModelIndex WorkerModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount) return {};
    if (!parent.isValid()) return row < int(m_groups.size()) ? createIndex(row, column, kGroupId) : QModelIndex();
    if (parent.internalId() != kGroupId || parent.column() != 0 || parent.row() >= int(m_groups.size())) return {};
    const auto& g = m_groups[std::size_t(parent.row())];
    return row < int(g.instances.size()) ? createIndex(row, column, quintptr(parent.row()) + 1) : QModelIndex();
}

QModelIndex WorkerModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == kGroupId) return {};
    return createIndex(int(child.internalId() - 1), 0, kGroupId);
}

int WorkerModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return int(m_groups.size());
    if (parent.internalId() != kGroupId || parent.column() != 0) return 0;
    return int(m_groups[std::size_t(parent.row())].instances.size());
}

int WorkerModel::columnCount(const QModelIndex&) const { return ColumnCount; }

QVariant WorkerModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    if (index.internalId() == kGroupId) return groupData(m_groups[std::size_t(index.row())], index.column(), role);
    const auto& g = m_groups[std::size_t(index.internalId() - 1)];
    return instanceData(g, g.instances[std::size_t(index.row())], index.column(), role);
}

QVariant WorkerModel::groupData(const protocol::WorkerGroupStatus& g, int column, int role) const {
    int running = 0;
    double cpu = 0;
    double rss = 0;
    for (const auto& w : g.instances) {
        if (w.state == protocol::InstanceState::running) ++running;
        cpu += w.cpu_percent;
        rss += double(w.rss_bytes);
    }
    switch (role) {
    case GroupRole: return QString::fromStdString(g.name);
    case InstanceIndexRole: return -1;
    case StateRole: return protocolName(g.state);
    case DesiredRole: return g.desired_count;
    case PortRole: return {};
    case Qt::ToolTipRole:
        return g.failing_reason.empty() ? QString::fromStdString(g.command) : QString::fromStdString(g.failing_reason);
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn: return QString::fromStdString(g.name);
        case StateColumn:
            return tr("%1 · %2 of %3 running").arg(groupStateWord(g.state)).arg(running).arg(g.desired_count);
        case CpuColumn: return QStringLiteral("%1 %").arg(cpu, 0, 'f', 1);
        case MemoryColumn: return formatBytes(rss);
        default: return {};
        }
    default: return {};
    }
}

QVariant WorkerModel::instanceData(const protocol::WorkerGroupStatus& g, const protocol::WorkerInstance& w, int column,
                                   int role) const {
    switch (role) {
    case GroupRole: return QString::fromStdString(g.name);
    case InstanceIndexRole: return w.index;
    case StateRole: return protocolName(w.state);
    case PortRole: return w.port;
    case DesiredRole: return {};
    case Qt::ToolTipRole:
        if (w.last_exit) return tr("Last exit: %1").arg(QString::fromStdString(w.last_exit->reason));
        return {};
    case Qt::TextAlignmentRole:
        if (column >= PidColumn) return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn: return tr("#%1 · port %2").arg(w.index).arg(w.port);
        case StateColumn: return instanceStateWord(w.state);
        case PidColumn: return w.pid > 0 ? QVariant(qint64(w.pid)) : QVariant(tr("—"));
        case UptimeColumn: return w.pid > 0 ? formatDuration(w.uptime_s) : tr("—");
        case RestartsColumn: return w.restarts;
        case CpuColumn: return QStringLiteral("%1 %").arg(w.cpu_percent, 0, 'f', 1);
        case MemoryColumn: return formatBytes(double(w.rss_bytes));
        default: return {};
        }
    default: return {};
    }
}

QVariant WorkerModel::headerData(int section, Qt::Orientation orientation, int role) const {
    // Numbers are right-aligned in their cells; their headings sit over them.
    if (orientation == Qt::Horizontal && role == Qt::TextAlignmentRole && section >= PidColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractItemModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn: return tr("Worker");
    case StateColumn: return tr("State");
    case PidColumn: return tr("PID");
    case UptimeColumn: return tr("Uptime");
    case RestartsColumn: return tr("Restarts");
    case CpuColumn: return tr("CPU");
    case MemoryColumn: return tr("Memory");
    default: return {};
    }
}

}  // namespace fulcrum::app
