#pragma once
// The hosts in the sidebar: name, address line, connection state and its detail, and whether
// it is "This computer". The state values match ui::HostState one to one.

#include <QAbstractListModel>

namespace fulcrum::app {

enum class HostConnectionState { Disconnected, Connecting, Connected, Deploying, Rebooting, Unreachable, Error };

class HostListModel : public QAbstractListModel {
    Q_OBJECT
public:
    // Qt::UserRole + 1 ...: the numbers ui/HostStatus.h's HostListRole uses.
    enum Role { IdRole = Qt::UserRole + 1, StateRole, DetailRole, LocalRole, SubtitleRole };

    struct Host {
        QString id;
        QString name;
        QString subtitle;
        HostConnectionState state = HostConnectionState::Disconnected;
        QString detail;
        bool local = false;
    };

    explicit HostListModel(QObject* parent = nullptr);

    // Adds, or updates the host with the same id.
    void addHost(const Host& host);
    bool removeHost(const QString& id);
    void setState(const QString& id, HostConnectionState state, const QString& detail = {});
    int rowOf(const QString& id) const;
    const Host* host(const QString& id) const;
    int connectedCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    QList<Host> m_hosts;
};

}  // namespace fulcrum::app
