#include "app/models/config_history_model.h"

#include "app/models/format.h"

#include <QDateTime>
#include <QLocale>

namespace fulcrum::app {

ConfigHistoryModel::ConfigHistoryModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConfigHistoryModel::setHistory(const protocol::ConfigHistoryResult& history) {
    beginResetModel();
    m_current = history.current_version;
    m_entries = history.entries;
    endResetModel();
}

qint64 ConfigHistoryModel::versionAt(int row) const {
    return row >= 0 && row < int(m_entries.size()) ? m_entries[std::size_t(row)].version : 0;
}

int ConfigHistoryModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_entries.size()); }

int ConfigHistoryModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ConfigHistoryModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const auto& e = m_entries[std::size_t(index.row())];
    const bool current = e.version == m_current;
    switch (role) {
    case VersionRole: return qint64(e.version);
    case CurrentRole: return current;
    case Qt::ToolTipRole: return tr("SHA-256 %1").arg(QString::fromStdString(e.sha256));
    case Qt::DisplayRole:
        switch (index.column()) {
        case VersionColumn: return current ? tr("v%1 · running").arg(e.version) : tr("v%1").arg(e.version);
        case AppliedColumn:
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(e.applied_at_ms), QLocale::ShortFormat);
        case CommentColumn: return e.comment.empty() ? tr("(no comment)") : QString::fromStdString(e.comment);
        case SizeColumn: return formatBytes(double(e.size_bytes));
        default: return {};
        }
    default: return {};
    }
}

QVariant ConfigHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case VersionColumn: return tr("Version");
    case AppliedColumn: return tr("Applied");
    case CommentColumn: return tr("What changed");
    case SizeColumn: return tr("Size");
    default: return {};
    }
}

}  // namespace fulcrum::app
