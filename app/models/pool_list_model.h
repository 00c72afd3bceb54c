#pragma once
// The pools of a host's staged config as a list: name, how many servers, balance algorithm,
// which worker group it follows. Follows the StagedConfig it is given.

#include <QAbstractListModel>
#include <QPointer>

namespace fulcrum::app {

class StagedConfig;

class PoolListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { NameRole = Qt::UserRole + 1, ServerCountRole, BalanceRole, FollowWorkersRole };

    explicit PoolListModel(StagedConfig* config, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    int rowOf(const QString& name) const { return static_cast<int>(m_names.indexOf(name)); }

private:
    void refresh();

    QPointer<StagedConfig> m_config;
    QStringList m_names;
};

}  // namespace fulcrum::app
