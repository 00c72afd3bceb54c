#include "ui/widgets/SectionTabBar.h"

#include <QScopedValueRollback>

namespace fulcrum::ui {

SectionTabBar::SectionTabBar(QWidget* parent) : QTabBar(parent) {
    setElideMode(Qt::ElideNone);
    setUsesScrollButtons(false);
}

int SectionTabBar::addSection(const QIcon& icon, const QString& label) {
    m_icons << icon;
    return addTab(m_showIcons ? icon : QIcon(), label);
}

QSize SectionTabBar::minimumSizeHint() const {
    // Without scroll arrows QTabBar's minimum is every tab whole, with or without its icon:
    // the smaller one, as the icons can go.
    QSize size = QTabBar::minimumSizeHint();
    if (m_widthWithoutIcons > 0) size.setWidth(m_widthWithoutIcons);
    return size;
}

void SectionTabBar::resizeEvent(QResizeEvent* event) {
    QTabBar::resizeEvent(event);
    fitIcons();
}

void SectionTabBar::setIconsShown(bool shown) {
    m_showIcons = shown;
    for (int i = 0; i < count() && i < m_icons.size(); ++i) setTabIcon(i, shown ? m_icons[i] : QIcon());
}

void SectionTabBar::fitIcons() {
    if (m_fitting) return;  // the icons set below resize the bar again
    const QScopedValueRollback<bool> fitting(m_fitting, true);
    // Both widths measured afresh (the style sheet's padding arrives after the tabs do, and
    // the icons' share is the style's business), then decided against the width with icons
    // whether they show or not, so the decision cannot flip back and forth.
    setIconsShown(true);
    const int withIcons = sizeHint().width();
    setIconsShown(false);
    const int withoutIcons = sizeHint().width();
    setIconsShown(width() >= withIcons);
    if (withoutIcons != m_widthWithoutIcons) {
        m_widthWithoutIcons = withoutIcons;
        updateGeometry();
    }
}

}  // namespace fulcrum::ui
