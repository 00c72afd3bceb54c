#pragma once
// SVG icons from resources/icons, drawn in the palette's text colour (or a given colour) so
// one set of line icons works on light and dark. Rendered once per colour and size.

#include <QColor>
#include <QIcon>
#include <QString>

namespace fulcrum::ui {

class Icons {
public:
    // `name` is the file name without ".svg". An unknown name gives a null icon and a
    // warning in the log, never a crash.
    static QIcon get(const QString& name);
    static QIcon get(const QString& name, const QColor& color);
    static QPixmap pixmap(const QString& name, const QColor& color, int size, qreal dpr = 1.0);
    static QIcon application();
    // Called when the palette changes: icons drawn in the old text colour are dropped.
    static void clearCache();
    // Makes the compiled-in resources (icons, the style sheet's arrows) readable; idempotent.
    static void registerResources();
};

}  // namespace fulcrum::ui
