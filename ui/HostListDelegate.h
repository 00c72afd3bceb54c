#pragma once
// Draws a host in the sidebar: icon, name, a second line (user@address or agent version)
// and a coloured status dot with its word, so five hosts' states read at a glance.

#include <QStyledItemDelegate>

namespace fulcrum::ui {

class HostListDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

}  // namespace fulcrum::ui
