#pragma once
// The host page's section tabs. Every label stays whole at any width the window allows: no
// eliding and no scroll arrows (which hid the last tab behind them: "Reboot & verify" read as
// "Reboot" at 1000 px), so the bar's minimum width is what the labels need and the window
// cannot be made narrower. When the bar is narrower than the labels with their icons, the
// icons go first: they only repeat what the label says.

#include <QIcon>
#include <QList>
#include <QTabBar>

namespace fulcrum::ui {

class SectionTabBar : public QTabBar {
    Q_OBJECT
public:
    explicit SectionTabBar(QWidget* parent = nullptr);

    int addSection(const QIcon& icon, const QString& label);
    bool showsIcons() const { return m_showIcons; }
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void fitIcons();
    void setIconsShown(bool shown);

    QList<QIcon> m_icons;
    bool m_showIcons = true;
    bool m_fitting = false;
    int m_widthWithoutIcons = 0;  // measured on the last resize; 0: not yet
};

}  // namespace fulcrum::ui
