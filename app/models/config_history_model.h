#pragma once
// The applied versions of a host's config, newest first (config.history): version, when,
// comment, size; the one the host runs now is marked. Rollback re-applies an old version.

#include "agent/protocol/config.h"

#include <QAbstractTableModel>

namespace fulcrum::app {

class ConfigHistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { VersionColumn, AppliedColumn, CommentColumn, SizeColumn, ColumnCount };
    enum Role { VersionRole = Qt::UserRole + 1, CurrentRole };

    explicit ConfigHistoryModel(QObject* parent = nullptr);

    void setHistory(const protocol::ConfigHistoryResult& history);
    qint64 currentVersion() const { return m_current; }
    qint64 versionAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    qint64 m_current = 0;
    std::vector<protocol::ConfigHistoryEntry> m_entries;
};

}  // namespace fulcrum::app
