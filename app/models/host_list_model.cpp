#include "app/models/host_list_model.h"

#include <algorithm>

namespace fulcrum::app {

HostListModel::HostListModel(QObject* parent) : QAbstractListModel(parent) {}

int HostListModel::rowOf(const QString& id) const {
    for (int i = 0; i < m_hosts.size(); ++i) {
        if (m_hosts[i].id == id) return i;
    }
    return -1;
}

const HostListModel::Host* HostListModel::host(const QString& id) const {
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_hosts[row];
}

void HostListModel::addHost(const Host& host) {
    if (const int row = rowOf(host.id); row >= 0) {
        m_hosts[row] = host;
        emit dataChanged(index(row), index(row));
        return;
    }
    const int row = int(m_hosts.size());
    beginInsertRows({}, row, row);
    m_hosts.append(host);
    endInsertRows();
}

bool HostListModel::removeHost(const QString& id) {
    const int row = rowOf(id);
    if (row < 0) return false;
    beginRemoveRows({}, row, row);
    m_hosts.removeAt(row);
    endRemoveRows();
    return true;
}

void HostListModel::setState(const QString& id, HostConnectionState state, const QString& detail) {
    const int row = rowOf(id);
    if (row < 0) return;
    m_hosts[row].state = state;
    m_hosts[row].detail = detail;
    emit dataChanged(index(row), index(row), {StateRole, DetailRole});
}

int HostListModel::connectedCount() const {
    return int(std::count_if(m_hosts.begin(), m_hosts.end(),
                             [](const Host& h) { return h.state == HostConnectionState::Connected; }));
}

int HostListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_hosts.size()); }

QVariant HostListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Host& h = m_hosts.at(index.row());
    switch (role) {
    case Qt::DisplayRole: return h.name;
    case Qt::ToolTipRole:
    case SubtitleRole: return h.subtitle;
    case IdRole: return h.id;
    case StateRole: return int(h.state);
    case DetailRole: return h.detail;
    case LocalRole: return h.local;
    default: return {};
    }
}

QHash<int, QByteArray> HostListModel::roleNames() const {
    auto roles = QAbstractListModel::roleNames();
    roles.insert(IdRole, "hostId");
    roles.insert(StateRole, "state");
    roles.insert(DetailRole, "detail");
    roles.insert(LocalRole, "local");
    roles.insert(SubtitleRole, "subtitle");
    return roles;
}

}  // namespace fulcrum::app
