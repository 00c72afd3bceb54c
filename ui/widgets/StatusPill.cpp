#include "ui/widgets/StatusPill.h"

#include <QPainter>
#include <QPainterPath>

namespace fulcrum::ui {

StatusPill::StatusPill(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void StatusPill::setStatus(const QString& text, const QColor& color) {
    m_text = text;
    m_color = color;
    setAccessibleName(text);
    updateGeometry();
    update();
}

QSize StatusPill::sizeHint() const {
    const QFontMetrics fm(font());
    return {fm.horizontalAdvance(m_text) + 32, fm.height() + 10};
}

void StatusPill::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF r = QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5);
    QColor fill = m_color;
    fill.setAlphaF(0.14f);
    QColor border = m_color;
    border.setAlphaF(0.45f);
    p.setPen(border);
    p.setBrush(fill);
    p.drawRoundedRect(r, r.height() / 2, r.height() / 2);
    p.setPen(Qt::NoPen);
    p.setBrush(m_color);
    p.drawEllipse(QPointF(12, r.center().y()), 4, 4);
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(r.adjusted(22, 0, -8, 0), Qt::AlignVCenter | Qt::AlignLeft, m_text);
}

}  // namespace fulcrum::ui
