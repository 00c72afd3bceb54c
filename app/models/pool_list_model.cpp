#include "app/models/pool_list_model.h"

#include "app/models/staged_config.h"

#include <QJsonArray>

namespace fulcrum::app {

PoolListModel::PoolListModel(StagedConfig* config, QObject* parent) : QAbstractListModel(parent), m_config(config) {
    connect(config, &StagedConfig::stagedChanged, this, &PoolListModel::refresh);
    refresh();
}

void PoolListModel::refresh() {
    const QStringList names = m_config ? m_config->poolNames() : QStringList();
    if (names != m_names) {
        // Pools come and go rarely (and only by whole-document edits); a reset is clear and
        // the view keeps its current row by name (PoolsPage re-selects).
        beginResetModel();
        m_names = names;
        endResetModel();
    } else if (!m_names.isEmpty()) {
        emit dataChanged(index(0), index(int(m_names.size()) - 1));
    }
}

int PoolListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_names.size()); }

QVariant PoolListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !m_config) return {};
    const QString name = m_names.at(index.row());
    const QJsonObject pool = m_config->pool(name);
    const QString follow = pool.value(QStringLiteral("follow_workers")).toString();
    const int servers = int(pool.value(QStringLiteral("servers")).toArray().size());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole: return name;
    case Qt::ToolTipRole:
        return follow.isEmpty() ? tr("%n server(s)", nullptr, servers)
                                : tr("Follows worker group “%1”, plus %n listed server(s)", nullptr, servers).arg(follow);
    case ServerCountRole: return servers;
    case BalanceRole: return pool.value(QStringLiteral("balance")).toString(QStringLiteral("round_robin"));
    case FollowWorkersRole: return follow;
    default: return {};
    }
}

QHash<int, QByteArray> PoolListModel::roleNames() const {
    auto roles = QAbstractListModel::roleNames();
    roles.insert(NameRole, "name");
    roles.insert(ServerCountRole, "serverCount");
    roles.insert(BalanceRole, "balance");
    roles.insert(FollowWorkersRole, "followWorkers");
    return roles;
}

}  // namespace fulcrum::app
