#include "ui/Icons.h"

#include <QApplication>
#include <QFile>
#include <QHash>
#include <QIconEngine>
#include <QPainter>
#include <QPalette>
#include <QSvgRenderer>
#include <QtDebug>

// The icons are compiled into the static fulcrum_ui library; a static library's resources
// must be registered by hand before first use (Q_INIT_RESOURCE works only at global scope).
static void registerIconResources() { Q_INIT_RESOURCE(icons); }

namespace fulcrum::ui {
namespace {

QHash<QString, QByteArray>& sources() {
    Icons::registerResources();
    static QHash<QString, QByteArray> cache;
    return cache;
}

QByteArray source(const QString& name) {
    auto& cache = sources();
    auto it = cache.find(name);
    if (it != cache.end()) return *it;
    QFile file(QStringLiteral(":/icons/%1.svg").arg(name));
    QByteArray data;
    if (file.open(QIODevice::ReadOnly)) {
        data = file.readAll();
    } else {
        qWarning("fulcrum: no icon named %s", qPrintable(name));
    }
    cache.insert(name, data);
    return data;
}

// Draws the SVG at whatever size the view asks for, in the colour its mode calls for, so
// icons stay crisp on HiDPI screens and disabled buttons get a muted icon.
class TintedSvgEngine : public QIconEngine {
public:
    TintedSvgEngine(QString name, QColor color) : m_name(std::move(name)), m_color(color) {}

    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State) override {
        QColor color = m_color.isValid() ? m_color : QApplication::palette().color(QPalette::WindowText);
        if (mode == QIcon::Disabled) {
            color = QApplication::palette().color(QPalette::Disabled, QPalette::WindowText);
            color.setAlphaF(0.6f);
        } else if (mode == QIcon::Selected && !m_color.isValid()) {
            color = QApplication::palette().color(QPalette::Text);
        }
        QByteArray svg = source(m_name);
        svg.replace("currentColor", color.name(QColor::HexRgb).toLatin1());
        QSvgRenderer renderer(svg);
        painter->save();
        if (color.alphaF() < 1.0) painter->setOpacity(color.alphaF());
        renderer.render(painter, rect);
        painter->restore();
    }

    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override {
        return scaledPixmap(size, mode, state, 1.0);
    }

    QPixmap scaledPixmap(const QSize& size, QIcon::Mode mode, QIcon::State state, qreal scale) override {
        QPixmap pm(size * scale);
        pm.fill(Qt::transparent);
        {
            QPainter p(&pm);
            p.setRenderHint(QPainter::Antialiasing);
            paint(&p, QRect(QPoint(0, 0), size * scale), mode, state);
        }
        pm.setDevicePixelRatio(scale);
        return pm;
    }

    QIconEngine* clone() const override { return new TintedSvgEngine(m_name, m_color); }

private:
    QString m_name;
    QColor m_color;
};

}  // namespace

QIcon Icons::get(const QString& name) { return get(name, QColor()); }

QIcon Icons::get(const QString& name, const QColor& color) {
    if (source(name).isEmpty()) return {};
    return QIcon(new TintedSvgEngine(name, color));
}

QPixmap Icons::pixmap(const QString& name, const QColor& color, int size, qreal dpr) {
    return get(name, color).pixmap(QSize(size, size), dpr);
}

QIcon Icons::application() {
    QIcon icon;
    QSvgRenderer renderer(source(QStringLiteral("fulcrum")));
    for (int size : {16, 24, 32, 48, 64, 128, 256}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        renderer.render(&p);
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

void Icons::clearCache() { sources().clear(); }

void Icons::registerResources() {
    static const bool registered = (registerIconResources(), true);
    Q_UNUSED(registered);
}

}  // namespace fulcrum::ui
