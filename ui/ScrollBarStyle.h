#pragma once
// Fusion with one change: the scroll bar's handle. Fusion paints it in the button colour over
// a groove a few percent darker, which in the light palette is white on near-white: the handle
// could hardly be found. Here it is a solid rounded bar in a mix of the palette's text and
// window colours that stands out from the groove by at least 3:1 (WCAG's minimum for parts of
// a control) in the light palette and the dark one. The bar's extent, arrows and groove stay
// Fusion's own.

#include <QProxyStyle>

namespace fulcrum::ui {

class ScrollBarStyle : public QProxyStyle {
    Q_OBJECT
public:
    explicit ScrollBarStyle(QStyle* base);

    void drawComplexControl(ComplexControl control, const QStyleOptionComplex* option, QPainter* painter,
                            const QWidget* widget = nullptr) const override;

    static QColor handleColor(const QPalette& palette, bool enabled, bool hovered, bool pressed);
};

}  // namespace fulcrum::ui
