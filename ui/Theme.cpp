#include "ui/Theme.h"

#include "ui/Icons.h"
#include "ui/ScrollBarStyle.h"

#include <QApplication>
#include <QPalette>
#include <QStyleFactory>

namespace fulcrum::ui {
namespace {

QPalette lightPalette() {
    QPalette p;
    const QColor window("#f4f5f7"), base("#ffffff"), text("#1f2328"), muted("#6e7781");
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor("#f6f8fa"));
    p.setColor(QPalette::ToolTipBase, QColor("#1f2328"));
    p.setColor(QPalette::ToolTipText, QColor("#f6f8fa"));
    p.setColor(QPalette::PlaceholderText, QColor("#8c959f"));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor("#ffffff"));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor("#cf222e"));
    p.setColor(QPalette::Light, QColor("#ffffff"));
    p.setColor(QPalette::Midlight, QColor("#eaeef2"));
    p.setColor(QPalette::Mid, QColor("#d0d7de"));
    p.setColor(QPalette::Dark, QColor("#afb8c1"));
    p.setColor(QPalette::Shadow, QColor("#8c959f"));
    p.setColor(QPalette::Highlight, QColor("#2563eb"));
    p.setColor(QPalette::HighlightedText, QColor("#ffffff"));
    p.setColor(QPalette::Link, QColor("#0969da"));
    p.setColor(QPalette::LinkVisited, QColor("#8250df"));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
        p.setColor(QPalette::Disabled, role, muted);
    }
    p.setColor(QPalette::Disabled, QPalette::Button, QColor("#f6f8fa"));
    return p;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window("#1c1f24"), base("#15171b"), text("#e6edf3"), muted("#7d8590");
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor("#1a1d22"));
    p.setColor(QPalette::ToolTipBase, QColor("#e6edf3"));
    p.setColor(QPalette::ToolTipText, QColor("#1c1f24"));
    p.setColor(QPalette::PlaceholderText, QColor("#6e7681"));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor("#262a31"));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor("#ff7b72"));
    p.setColor(QPalette::Light, QColor("#30363d"));
    p.setColor(QPalette::Midlight, QColor("#2a2f36"));
    p.setColor(QPalette::Mid, QColor("#30363d"));
    p.setColor(QPalette::Dark, QColor("#101214"));
    p.setColor(QPalette::Shadow, QColor("#000000"));
    p.setColor(QPalette::Highlight, QColor("#3b82f6"));
    p.setColor(QPalette::HighlightedText, QColor("#ffffff"));
    p.setColor(QPalette::Link, QColor("#58a6ff"));
    p.setColor(QPalette::LinkVisited, QColor("#bc8cff"));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
        p.setColor(QPalette::Disabled, role, muted);
    }
    p.setColor(QPalette::Disabled, QPalette::Button, QColor("#1f2328"));
    return p;
}

// One stylesheet for both appearances: colours come from palette() so the same rules
// work in light and dark. Widgets opt in through object names and dynamic properties.
QString styleSheet(bool dark) {
    QString css = QStringLiteral(R"css(
QWidget#sidebar { background: %SIDEBAR%; border-right: 1px solid palette(mid); }
QLabel#sidebarTitle { font-size: 15pt; font-weight: 600; }
QLabel#sidebarSubtitle { color: %MUTED%; }
QLabel[role="sectionLabel"] { color: %MUTED%; font-size: 8pt; font-weight: 600; letter-spacing: 1px; }
QListView#hostList { background: transparent; border: none; outline: 0; }
QListView#hostList::item { border-radius: 8px; padding: 6px; margin: 1px 6px; }
QListView#hostList::item:selected { background: %SELECTED%; color: palette(text); }
QListView#hostList::item:hover:!selected { background: %HOVER%; }

QWidget#hostHeader { background: palette(base); border-bottom: 1px solid palette(mid); }
QLabel#hostTitle { font-size: 17pt; font-weight: 600; }
QLabel#hostSubtitle { color: %MUTED%; }
QTabBar#sectionTabs { qproperty-drawBase: 0; }
QTabBar#sectionTabs::tab { padding: 8px 14px; margin-right: 2px; border: none; border-bottom: 2px solid transparent; color: %MUTED%; background: transparent; }
QTabBar#sectionTabs::tab:selected { color: palette(text); border-bottom: 2px solid palette(highlight); }
QTabBar#sectionTabs::tab:hover:!selected { color: palette(text); }

QFrame[card="true"] { background: palette(base); border: 1px solid palette(mid); border-radius: 10px; }
QLabel[role="cardTitle"] { font-weight: 600; font-size: 10.5pt; }
QLabel[role="cardValue"] { font-size: 20pt; font-weight: 600; }
QLabel[role="muted"] { color: %MUTED%; }
QLabel[role="pageTitle"] { font-size: 13pt; font-weight: 600; }
QLabel[role="emptyTitle"] { font-size: 14pt; font-weight: 600; }
QLabel[role="mono"] { font-family: "DejaVu Sans Mono", monospace; }

QPushButton { padding: 5px 12px; border-radius: 6px; border: 1px solid palette(mid); background: palette(button); }
QPushButton:hover { border-color: palette(dark); }
QPushButton:pressed { background: palette(midlight); }
QPushButton:disabled { color: %MUTED%; background: palette(window); }
QPushButton[primary="true"] { background: palette(highlight); color: palette(highlighted-text); border: 1px solid palette(highlight); font-weight: 600; }
QPushButton[primary="true"]:hover { background: %ACCENTHOVER%; }
QPushButton[primary="true"]:disabled { background: %ACCENTDISABLED%; border-color: %ACCENTDISABLED%; }
QPushButton[danger="true"] { color: %DANGER%; }
QToolButton { padding: 4px 8px; border-radius: 6px; border: 1px solid transparent; }
QToolButton:hover { background: %HOVER%; border-color: palette(mid); }
QToolButton:checked { background: %SELECTED%; border-color: palette(mid); }
QToolButton[segment="true"] { border: 1px solid palette(mid); border-radius: 0px; padding: 4px 12px; background: palette(button); }
QToolButton[segment="true"]:checked { background: palette(highlight); color: palette(highlighted-text); border-color: palette(highlight); }
QToolButton[segmentPosition="first"] { border-top-left-radius: 6px; border-bottom-left-radius: 6px; }
QToolButton[segmentPosition="last"] { border-top-right-radius: 6px; border-bottom-right-radius: 6px; }

QTableView, QTreeView { background: palette(base); border: 1px solid palette(mid); border-radius: 8px; gridline-color: palette(midlight); selection-background-color: %SELECTED%; selection-color: palette(text); }
QHeaderView::section { background: palette(base); border: none; border-bottom: 1px solid palette(mid); padding: 6px 8px; color: %MUTED%; font-weight: 600; }
QTableView::item, QTreeView::item { padding: 4px 6px; }
/* An item with an icon and side padding gets its icon drawn twice, padding apart (style
   sheet and base style each place it); the certificates' status column has one. */
QTableView#certificatesTable::item { padding: 4px 0px; }

QLineEdit, QSpinBox, QComboBox, QPlainTextEdit, QTextEdit { border: 1px solid palette(mid); border-radius: 6px; padding: 4px 6px; background: palette(base); }
QLineEdit:focus, QSpinBox:focus, QComboBox:focus, QPlainTextEdit:focus { border-color: palette(highlight); }
QAbstractSpinBox { padding-right: 24px; }
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button { subcontrol-origin: border; width: 20px; border: none; border-left: 1px solid palette(midlight); background: transparent; }
QAbstractSpinBox::up-button { subcontrol-position: top right; border-top-right-radius: 6px; margin-top: 1px; }
QAbstractSpinBox::down-button { subcontrol-position: bottom right; border-bottom-right-radius: 6px; margin-bottom: 1px; }
QAbstractSpinBox::up-button:hover, QAbstractSpinBox::down-button:hover { background: %HOVER%; }
QAbstractSpinBox::up-arrow { image: url(:/style/up-%MODE%.svg); width: 10px; height: 10px; }
QAbstractSpinBox::down-arrow { image: url(:/style/down-%MODE%.svg); width: 10px; height: 10px; }
/* An arrow that cannot step (at the minimum or maximum, or disabled) is faint, not gone: a
   spin box at its minimum showed a lone up arrow and looked broken. */
QAbstractSpinBox::up-arrow:disabled, QAbstractSpinBox::up-arrow:off { image: url(:/style/up-%MODE%-off.svg); }
QAbstractSpinBox::down-arrow:disabled, QAbstractSpinBox::down-arrow:off { image: url(:/style/down-%MODE%-off.svg); }
QComboBox { padding-right: 24px; }
QComboBox::drop-down { subcontrol-origin: border; subcontrol-position: top right; width: 22px; border: none; }
QComboBox::down-arrow { image: url(:/style/down-%MODE%.svg); width: 10px; height: 10px; }
QComboBox::down-arrow:disabled { image: none; }
QToolButton[popupMode="1"] { padding-right: 22px; }
QToolButton::menu-button { border: none; border-left: 1px solid palette(midlight); width: 18px; border-top-right-radius: 6px; border-bottom-right-radius: 6px; }
QToolButton::menu-button:hover { background: %HOVER%; }
QToolButton::menu-arrow, QToolButton::menu-indicator { image: url(:/style/down-%MODE%.svg); width: 10px; height: 10px; }
QToolButton::menu-arrow:disabled, QToolButton::menu-indicator:disabled { image: none; }

QWidget#stagedChangesBar { background: %STAGED%; border-top: 1px solid %STAGEDBORDER%; }
QLabel#stagedChangesLabel { font-weight: 600; }

QFrame[banner="true"][level="info"] { background: %INFOBG%; border: 1px solid %INFOBORDER%; border-radius: 8px; }
QFrame[banner="true"][level="warning"] { background: %WARNBG%; border: 1px solid %WARNBORDER%; border-radius: 8px; }
QFrame[banner="true"][level="error"] { background: %ERRBG%; border: 1px solid %ERRBORDER%; border-radius: 8px; }
QFrame[banner="true"][level="positive"] { background: %OKBG%; border: 1px solid %OKBORDER%; border-radius: 8px; }

QStatusBar { background: palette(window); border-top: 1px solid palette(mid); }
QStatusBar::item { border: none; }
QProgressBar { border: 1px solid palette(mid); border-radius: 6px; background: palette(base); text-align: center; height: 14px; }
QProgressBar::chunk { background: palette(highlight); border-radius: 5px; }
QSplitter::handle { background: palette(mid); }
QScrollArea { border: none; background: transparent; }
/* The scrolled content only: the scroll bars sit in the area's other children and must stay
   the style's own, in both palettes. */
QScrollArea > QWidget#qt_scrollarea_viewport > QWidget { background: transparent; }

/* Fusion outlines check boxes with a darker window colour, which vanishes on a dark window
   (worst when disabled): drawn here with a border that stands out in every state. */

QCheckBox::indicator, QAbstractItemView::indicator { width: 14px; height: 14px; border: 1px solid %CHECKBORDER%; border-radius: 4px; background: palette(base); }
QCheckBox::indicator:hover, QAbstractItemView::indicator:hover { border-color: palette(highlight); }
QCheckBox::indicator:checked, QAbstractItemView::indicator:checked { background: palette(highlight); border-color: palette(highlight); image: url(:/style/check.svg); }
QCheckBox::indicator:indeterminate, QAbstractItemView::indicator:indeterminate { background: palette(highlight); border-color: palette(highlight); image: url(:/style/partial.svg); }
QCheckBox::indicator:disabled, QAbstractItemView::indicator:disabled { border-color: %CHECKBORDERDISABLED%; background: %CHECKFILLDISABLED%; }
QCheckBox::indicator:checked:disabled, QAbstractItemView::indicator:checked:disabled, QAbstractItemView::indicator:indeterminate:disabled { background: %ACCENTDISABLED%; border-color: %ACCENTDISABLED%; }
QCheckBox:disabled { color: %MUTED%; }
)css");
    const auto set = [&css](const char* key, const char* value) {
        css.replace(QString::fromLatin1(key), QString::fromLatin1(value));
    };
    set("%MODE%", dark ? "dark" : "light");
    if (dark) {
        set("%SIDEBAR%", "#171a1e");
        set("%SELECTED%", "rgba(59,130,246,0.22)");
        set("%HOVER%", "rgba(255,255,255,0.05)");
        set("%MUTED%", "#8b949e");
        set("%ACCENTHOVER%", "#2563eb");
        set("%ACCENTDISABLED%", "#2b3a55");
        set("%DANGER%", "#ff7b72");
        set("%STAGED%", "#2b2410");
        set("%STAGEDBORDER%", "#6b5413");
        set("%INFOBG%", "#132339");
        set("%INFOBORDER%", "#1f4b85");
        set("%WARNBG%", "#2b2410");
        set("%WARNBORDER%", "#6b5413");
        set("%ERRBG%", "#33171a");
        set("%ERRBORDER%", "#8e2a31");
        set("%OKBG%", "#12281a");
        set("%OKBORDER%", "#23663a");
        set("%CHECKBORDER%", "#6e7681");
        set("%CHECKBORDERDISABLED%", "#484f58");
        set("%CHECKFILLDISABLED%", "#22262c");
    } else {
        set("%SIDEBAR%", "#eceef1");
        set("%SELECTED%", "rgba(37,99,235,0.13)");
        set("%HOVER%", "rgba(0,0,0,0.05)");
        set("%MUTED%", "#656d76");
        set("%ACCENTHOVER%", "#1d4ed8");
        set("%ACCENTDISABLED%", "#a9c0f5");
        set("%DANGER%", "#cf222e");
        set("%STAGED%", "#fff8e1");
        set("%STAGEDBORDER%", "#e9c46a");
        set("%INFOBG%", "#ddf4ff");
        set("%INFOBORDER%", "#80ccff");
        set("%WARNBG%", "#fff8c5");
        set("%WARNBORDER%", "#d4a72c");
        set("%ERRBG%", "#ffebe9");
        set("%ERRBORDER%", "#ff8182");
        set("%OKBG%", "#dafbe1");
        set("%OKBORDER%", "#4ac26b");
        set("%CHECKBORDER%", "#8c959f");
        set("%CHECKBORDERDISABLED%", "#c4ccd4");
        set("%CHECKFILLDISABLED%", "#f0f2f4");
    }
    return css;
}

}  // namespace

QColor Semantic::ok() { return Theme::instance()->isDark() ? QColor("#3fb950") : QColor("#1a7f37"); }
QColor Semantic::busy() { return Theme::instance()->isDark() ? QColor("#58a6ff") : QColor("#2563eb"); }
QColor Semantic::warning() { return Theme::instance()->isDark() ? QColor("#d29922") : QColor("#bf8700"); }
QColor Semantic::error() { return Theme::instance()->isDark() ? QColor("#f85149") : QColor("#cf222e"); }
QColor Semantic::muted() { return Theme::instance()->isDark() ? QColor("#8b949e") : QColor("#8c959f"); }
QColor Semantic::accent() { return Theme::instance()->isDark() ? QColor("#3b82f6") : QColor("#2563eb"); }
QColor Semantic::chart(int index) {
    // A line of the sequence only tells lines apart: in green, amber or red it would read as
    // ok, 4xx or 5xx (p99 latency was green). Blue, violet and cyan come first, far from all
    // three; then pink, and the status-like hues only from a fifth line on (five servers).
    static const char* light[] = {"#2563eb", "#9333ea", "#0891b2", "#db2777", "#16a34a", "#d97706", "#dc2626", "#65a30d"};
    static const char* dark[] = {"#60a5fa", "#c084fc", "#22d3ee", "#f472b6", "#4ade80", "#fbbf24", "#f87171", "#a3e635"};
    const int i = ((index % 8) + 8) % 8;
    return QColor(QString::fromLatin1(Theme::instance()->isDark() ? dark[i] : light[i]));
}

Theme* Theme::instance() {
    static Theme theme;
    return &theme;
}

Appearance Theme::parse(const QString& text) {
    if (text == QLatin1String("light")) return Appearance::Light;
    if (text == QLatin1String("dark")) return Appearance::Dark;
    return Appearance::System;
}

QString Theme::name(Appearance appearance) {
    switch (appearance) {
    case Appearance::Light: return QStringLiteral("light");
    case Appearance::Dark: return QStringLiteral("dark");
    case Appearance::System: break;
    }
    return QStringLiteral("system");
}

void Theme::install(QApplication& app) {
    m_app = &app;
    Icons::registerResources();  // the style sheet's arrows live in the same resource file
    QApplication::setStyle(new ScrollBarStyle(QStyleFactory::create(QStringLiteral("Fusion"))));
    app.installEventFilter(this);
    apply();
}

void Theme::setAppearance(Appearance appearance) {
    m_appearance = appearance;
    apply();
}

bool Theme::systemPrefersDark() const {
    // Qt 6.4 has no colour-scheme hint yet; the platform theme's palette is what the desktop
    // (GNOME/KDE platform plugins) hands us, and its window colour tells light from dark.
    // FULCRUM_APPEARANCE lets a user without a platform theme choose without the menu.
    const QByteArray forced = qgetenv("FULCRUM_APPEARANCE");
    if (forced == "dark") return true;
    if (forced == "light") return false;
    const QByteArray gtkTheme = qgetenv("GTK_THEME");
    if (gtkTheme.toLower().contains("dark")) return true;
    // An empty palette hands the application back to the platform theme's own palette.
    QApplication::setPalette(QPalette());
    const QPalette platform = QGuiApplication::palette();
    return platform.color(QPalette::Window).lightness() < 128;
}

void Theme::apply() {
    if (!m_app || m_applying) return;
    m_applying = true;
    m_dark = m_appearance == Appearance::Dark ||
             (m_appearance == Appearance::System && systemPrefersDark());
    QApplication::setPalette(m_dark ? darkPalette() : lightPalette());
    m_app->setStyleSheet(styleSheet(m_dark));
    m_applying = false;
    emit changed();
}

bool Theme::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_app && event->type() == QEvent::ThemeChange &&
        m_appearance == Appearance::System) {
        apply();
    }
    return QObject::eventFilter(watched, event);
}

}  // namespace fulcrum::ui
