#include "ui/HostListDelegate.h"

#include "ui/HostStatus.h"
#include "ui/Icons.h"
#include "ui/Theme.h"

#include <QApplication>
#include <QPainter>

namespace fulcrum::ui {

QSize HostListDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
    const QFontMetrics fm(option.font);
    return {200, fm.height() * 2 + 18};
}

void HostListDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    QStyleOptionViewItem opt(option);
    initStyleOption(&opt, index);
    // The style draws the rounded selection/hover background from the stylesheet; the text
    // is drawn here.
    opt.text.clear();
    opt.icon = QIcon();
    QStyle* style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QRect r = option.rect.adjusted(16, 6, -12, -6);
    const bool local = index.data(HostLocalRole).toBool();
    const auto state = static_cast<HostState>(index.data(HostStateRole).toInt());
    const QColor dot = HostStatusText::color(state);

    const QIcon icon = Icons::get(local ? QStringLiteral("computer") : QStringLiteral("server"));
    const int iconSize = 20;
    icon.paint(painter, QRect(r.left(), r.top() + (r.height() - iconSize) / 2, iconSize, iconSize));
    // Status dot on the icon's corner, with a ring in the sidebar colour so it stands out.
    const QPointF dotCenter(r.left() + iconSize - 1, r.top() + (r.height() + iconSize) / 2.0 - 3);
    painter->setPen(QPen(option.palette.color(QPalette::Window), 2));
    painter->setBrush(dot);
    painter->drawEllipse(dotCenter, 4.5, 4.5);

    const int textLeft = r.left() + iconSize + 12;
    QFont nameFont = option.font;
    nameFont.setWeight(QFont::DemiBold);
    const QFontMetrics nameMetrics(nameFont);
    painter->setFont(nameFont);
    painter->setPen(option.palette.color(QPalette::Text));
    const QRect nameRect(textLeft, r.top(), r.right() - textLeft, r.height() / 2);
    painter->drawText(nameRect, Qt::AlignLeft | Qt::AlignBottom,
                      nameMetrics.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight, nameRect.width()));

    QFont small = option.font;
    small.setPointSizeF(option.font.pointSizeF() * 0.88);
    painter->setFont(small);
    const QFontMetrics smallMetrics(small);
    const QRect detailRect(textLeft, r.top() + r.height() / 2 + 1, r.right() - textLeft, r.height() / 2);
    const QString detail = index.data(HostStatusLineRole).toString();
    painter->setPen(state == HostState::Connected || state == HostState::Disconnected ? Semantic::muted() : dot);
    painter->drawText(detailRect, Qt::AlignLeft | Qt::AlignTop,
                      smallMetrics.elidedText(detail, Qt::ElideRight, detailRect.width()));
    painter->restore();
}

}  // namespace fulcrum::ui
