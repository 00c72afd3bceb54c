#pragma once
// Light and dark palettes and the one stylesheet of the panel. "system" follows the
// desktop: the platform's own palette decides whether the panel is dark, and a change of the
// desktop theme (QEvent::ThemeChange / PaletteChange) re-applies at once.

#include <QColor>
#include <QObject>
#include <QString>

class QApplication;

namespace fulcrum::ui {

enum class Appearance { System, Light, Dark };

// Colours with a meaning, shared by status pills, charts and the timeline so that "healthy"
// is the same green everywhere.
struct Semantic {
    static QColor ok();
    static QColor busy();
    static QColor warning();
    static QColor error();
    static QColor muted();
    static QColor accent();
    static QColor chart(int index);
};

class Theme : public QObject {
    Q_OBJECT
public:
    static Theme* instance();

    // Installs the Fusion style, the palette for the chosen appearance and the stylesheet.
    void install(QApplication& app);
    void setAppearance(Appearance appearance);
    Appearance appearance() const { return m_appearance; }
    bool isDark() const { return m_dark; }

    static Appearance parse(const QString& text);
    static QString name(Appearance appearance);

signals:
    void changed();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    Theme() = default;
    void apply();
    bool systemPrefersDark() const;

    Appearance m_appearance = Appearance::System;
    bool m_dark = false;
    bool m_applying = false;
    QApplication* m_app = nullptr;
};

}  // namespace fulcrum::ui
