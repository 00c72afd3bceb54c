#include "app/models/pool_server_model.h"

#include "app/models/format.h"
#include "app/models/server_health.h"
#include "app/models/staged_config.h"

#include <QJsonArray>

#include <algorithm>

namespace fulcrum::app {
namespace {

QString stateWord(const QString& state) {
    if (state == QLatin1String("draining")) return QObject::tr("Draining");
    if (state == QLatin1String("disabled")) return QObject::tr("Disabled");
    return QObject::tr("Active");
}

}  // namespace

PoolServerModel::PoolServerModel(StagedConfig* config, QObject* parent)
    : QAbstractTableModel(parent), m_config(config) {
    connect(config, &StagedConfig::stagedChanged, this, &PoolServerModel::refresh);
    connect(config, &StagedConfig::appliedChanged, this, &PoolServerModel::refresh);
}

void PoolServerModel::setPool(const QString& name) {
    if (name == m_pool) return;
    beginResetModel();
    m_pool = name;
    m_rows = buildRows();
    endResetModel();
}

void PoolServerModel::setWorkerAddresses(const QHash<QString, QStringList>& addresses) {
    if (addresses == m_workerAddresses) return;
    m_workerAddresses = addresses;
    refresh();
}

QList<PoolServerModel::Row> PoolServerModel::buildRows() const {
    QList<Row> rows;
    if (!m_config || m_pool.isEmpty()) return rows;
    const QJsonObject pool = m_config->pool(m_pool);
    QJsonArray appliedServers;
    for (const auto& p : m_config->applied().value(QStringLiteral("pools")).toArray()) {
        if (p.toObject().value(QStringLiteral("name")).toString() == m_pool)
            appliedServers = p.toObject().value(QStringLiteral("servers")).toArray();
    }
    for (const auto& v : pool.value(QStringLiteral("servers")).toArray()) {
        const QJsonObject s = v.toObject();
        Row row;
        row.address = s.value(QStringLiteral("address")).toString();
        row.weight = s.value(QStringLiteral("weight")).toInt(1);
        row.state = s.value(QStringLiteral("state")).toString(QStringLiteral("active"));
        row.backup = s.value(QStringLiteral("backup")).toBool();
        row.staged = QStringLiteral("added");
        for (const auto& a : appliedServers) {
            if (a.toObject().value(QStringLiteral("address")).toString() == row.address)
                row.staged = a.toObject() == s ? QString() : QStringLiteral("changed");
        }
        rows.append(row);
    }
    const QString group = pool.value(QStringLiteral("follow_workers")).toString();
    for (const auto& address : m_workerAddresses.value(group)) {
        const bool listed = std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.address == address; });
        if (listed) continue;
        Row row;
        row.address = address;
        row.state = QStringLiteral("active");
        row.followed = true;
        rows.append(row);
    }
    return rows;
}

void PoolServerModel::refresh() {
    QList<Row> rows = buildRows();
    const auto addresses = [](const QList<Row>& list) {
        QStringList out;
        for (const auto& r : list) out << r.address;
        return out;
    };
    if (addresses(rows) != addresses(m_rows)) {
        beginResetModel();
        m_rows = rows;
        endResetModel();
        return;
    }
    m_rows = rows;
    if (!m_rows.isEmpty()) emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

void PoolServerModel::setLive(const std::vector<protocol::PoolSample>& pools) {
    m_live.clear();
    for (const auto& p : pools) {
        auto& servers = m_live[QString::fromStdString(p.name)];
        for (const auto& s : p.servers) {
            servers.insert(QString::fromStdString(s.address),
                           Live{QString::fromStdString(s.state), s.traffic.requests_per_s, s.traffic.active_connections});
        }
    }
    m_haveLive = true;
    if (!m_rows.isEmpty()) emit dataChanged(index(0, HealthColumn), index(rowCount() - 1, RequestsColumn));
}

void PoolServerModel::clearLive() {
    m_live.clear();
    m_haveLive = false;
    if (!m_rows.isEmpty()) emit dataChanged(index(0, HealthColumn), index(rowCount() - 1, RequestsColumn));
}

QString PoolServerModel::addressAt(int row) const { return row >= 0 && row < m_rows.size() ? m_rows[row].address : QString(); }

bool PoolServerModel::isFollowed(int row) const { return row >= 0 && row < m_rows.size() && m_rows[row].followed; }

int PoolServerModel::rowOf(const QString& address) const {
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].address == address) return i;
    }
    return -1;
}

int PoolServerModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int PoolServerModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PoolServerModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Row& row = m_rows.at(index.row());
    const Live live = m_live.value(m_pool).value(row.address);
    switch (role) {
    case AddressRole: return row.address;
    case StateRole: return row.state;
    case HealthRole: return live.health;
    case FollowedRole: return row.followed;
    case StagedRole: return row.staged;
    case RequestsRole: return live.requests;
    case ConnectionsRole: return live.connections;
    case Qt::EditRole:
        if (index.column() == WeightColumn) return row.weight;
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == WeightColumn || index.column() == ConnectionsColumn || index.column() == RequestsColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (row.followed)
            return tr("Served by a worker of group “%1”; it comes and goes with the group (Workers page).")
                .arg(m_config ? m_config->pool(m_pool).value(QStringLiteral("follow_workers")).toString() : QString());
        if (row.staged == QLatin1String("added")) return tr("Added — not applied yet");
        if (row.staged == QLatin1String("changed")) return tr("Changed — not applied yet");
        return {};
    default: break;
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case AddressColumn: return row.address;
    case WeightColumn: return row.weight;
    case StateColumn: return stateWord(row.state) + (row.backup ? tr(" · backup") : QString());
    case HealthColumn: return m_haveLive ? serverHealthText(serverHealth(live.health)) : tr("—");
    case ConnectionsColumn: return m_haveLive ? QVariant(live.connections) : QVariant(tr("—"));
    case RequestsColumn: return m_haveLive ? formatRate(live.requests) : tr("—");
    default: return {};
    }
}

QVariant PoolServerModel::headerData(int section, Qt::Orientation orientation, int role) const {
    // Numbers are right-aligned in their cells; their headings sit over them.
    if (orientation == Qt::Horizontal && role == Qt::TextAlignmentRole &&
        (section == WeightColumn || section == ConnectionsColumn || section == RequestsColumn))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case AddressColumn: return tr("Server");
    case WeightColumn: return tr("Weight");
    case StateColumn: return tr("State");
    case HealthColumn: return tr("Health");
    case ConnectionsColumn: return tr("Connections");
    case RequestsColumn: return tr("Req/s");
    default: return {};
    }
}

Qt::ItemFlags PoolServerModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == WeightColumn && !m_rows.at(index.row()).followed) f |= Qt::ItemIsEditable;
    return f;
}

bool PoolServerModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid) || index.column() != WeightColumn ||
        !m_config)
        return false;
    if (m_rows.at(index.row()).followed) {
        emit editRejected(tr("This server belongs to a worker group; its weight cannot be set here."));
        return false;
    }
    bool ok = false;
    const int weight = value.toInt(&ok);
    const QString error = ok ? m_config->setServerWeight(m_pool, m_rows.at(index.row()).address, weight)
                             : tr("The weight is a whole number between 0 and 1000.");
    if (!error.isEmpty()) {
        emit editRejected(error);
        return false;
    }
    return true;  // stagedChanged → refresh() emitted dataChanged
}

}  // namespace fulcrum::app
