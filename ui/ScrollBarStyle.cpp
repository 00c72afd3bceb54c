#include "ui/ScrollBarStyle.h"

#include <QPainter>
#include <QStyleOptionSlider>

namespace fulcrum::ui {
namespace {

QColor mix(const QColor& a, const QColor& b, double share) {
    return QColor::fromRgbF(float(a.redF() * share + b.redF() * (1 - share)), float(a.greenF() * share + b.greenF() * (1 - share)),
                            float(a.blueF() * share + b.blueF() * (1 - share)));
}

}  // namespace

ScrollBarStyle::ScrollBarStyle(QStyle* base) : QProxyStyle(base) {}

QColor ScrollBarStyle::handleColor(const QPalette& palette, bool enabled, bool hovered, bool pressed) {
    if (pressed) return palette.color(QPalette::Highlight);
    const QColor text = palette.color(QPalette::Active, QPalette::WindowText);
    const QColor window = palette.color(QPalette::Active, QPalette::Window);
    // 0.6 of the text colour is 3.9:1 against Fusion's light groove and 4.1:1 against its dark
    // one; hovering goes further toward the text, a disabled bar's handle stays a hint.
    return mix(text, window, !enabled ? 0.3 : hovered ? 0.75 : 0.6);
}

void ScrollBarStyle::drawComplexControl(ComplexControl control, const QStyleOptionComplex* option, QPainter* painter,
                                        const QWidget* widget) const {
    const auto* bar = qstyleoption_cast<const QStyleOptionSlider*>(option);
    if (control != CC_ScrollBar || !bar || !(bar->subControls & SC_ScrollBarSlider)) {
        QProxyStyle::drawComplexControl(control, option, painter, widget);
        return;
    }
    QStyleOptionSlider rest(*bar);
    rest.subControls &= ~SC_ScrollBarSlider;
    QProxyStyle::drawComplexControl(control, &rest, painter, widget);

    const QRect slider = subControlRect(CC_ScrollBar, bar, SC_ScrollBarSlider, widget);
    if (!slider.isValid() || bar->minimum == bar->maximum) return;
    const bool horizontal = bar->orientation == Qt::Horizontal;
    // Inset across the bar, so the groove shows on both sides as a track.
    const int inset = std::max(2, (horizontal ? slider.height() : slider.width()) / 5);
    const QRect handle = horizontal ? slider.adjusted(1, inset, -1, -inset) : slider.adjusted(inset, 1, -inset, -1);
    const bool active = bar->activeSubControls & SC_ScrollBarSlider;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(handleColor(bar->palette, bar->state & State_Enabled, active && (bar->state & State_MouseOver),
                                  active && (bar->state & State_Sunken)));
    const qreal radius = (horizontal ? handle.height() : handle.width()) / 2.0;
    painter->drawRoundedRect(QRectF(handle), radius, radius);
    painter->restore();
}

}  // namespace fulcrum::ui
