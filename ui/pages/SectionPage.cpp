#include "ui/pages/SectionPage.h"

#include "ui/widgets/EmptyState.h"
#include "ui/widgets/MessageBanner.h"

#include "ui/Icons.h"

#include <QHBoxLayout>
#include <QScrollArea>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace fulcrum::ui {

SectionPage::SectionPage(const QString& objectName, const QString& icon, QWidget* parent)
    : QWidget(parent), m_banner(new MessageBanner(this)), m_scrollArea(new QScrollArea(this)), m_stack(new QStackedWidget),
      m_content(new QWidget(this)), m_contentLayout(new QVBoxLayout(m_content)),
      m_disconnected(new EmptyState(icon, tr("Not connected"),
                                    tr("Connect to this host to see and change it. Fulcrum talks to it over SSH; "
                                       "nothing changes on the host until you apply."),
                                    this)) {
    setObjectName(objectName);
    m_banner->setObjectName(objectName + QStringLiteral("Banner"));
    auto* layout = new QVBoxLayout(this);
    // The side margins live inside the rows, so the scroll bar sits at the window's edge; a
    // hidden banner's row takes no room at all.
    layout->setContentsMargins(0, 16, 0, 0);
    layout->setSpacing(12);
    auto* bannerRow = new QHBoxLayout;
    bannerRow->setContentsMargins(20, 0, 20, 0);
    bannerRow->addWidget(m_banner);
    layout->addLayout(bannerRow);
    auto* scrolled = new QWidget;
    scrolled->setObjectName(objectName + QStringLiteral("Content"));
    auto* scrolledLayout = new QVBoxLayout(scrolled);
    scrolledLayout->setContentsMargins(20, 0, 20, 16);
    scrolledLayout->addWidget(m_stack);
    m_scrollArea->setObjectName(objectName + QStringLiteral("ScrollArea"));
    m_scrollArea->setFrameShape(QFrame::NoFrame);
    // Resizable: the content fills the viewport and scrolls only below its minimum size, so
    // the horizontal bar appears only when the page cannot shrink any further.
    m_scrollArea->setWidgetResizable(true);
    m_scrollArea->setWidget(scrolled);
    layout->addWidget(m_scrollArea, 1);
    m_contentLayout->setContentsMargins(0, 0, 0, 0);
    m_contentLayout->setSpacing(12);
    m_stack->addWidget(m_disconnected);
    m_stack->addWidget(m_content);
    m_stack->setCurrentWidget(m_disconnected);
}

QToolButton* SectionPage::toolButton(const QString& icon, const QString& text, const QString& objectName,
                                     const QString& toolTip) {
    auto* b = new QToolButton;
    b->setIcon(Icons::get(icon));
    b->setText(text);
    b->setObjectName(objectName);
    b->setToolTip(toolTip);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    return b;
}

void SectionPage::setLocal(bool local) {
    m_local = local;
    setOfflineText({}, {});
}

void SectionPage::setOfflineText(const QString& title, const QString& text) {
    if (!title.isEmpty()) {
        m_disconnected->setText(title, text);
        return;
    }
    m_disconnected->setText(tr("Not connected"),
                            m_local ? tr("Connect to manage this computer. Fulcrum starts its agent here directly, "
                                       "without SSH; nothing changes until you apply.")
                                  : tr("Connect to this host to see and change it. Fulcrum talks to it over SSH; "
                                       "nothing changes on the host until you apply."));
}

void SectionPage::setConnected(bool connected) {
    m_connected = connected;
    m_stack->setCurrentWidget(connected ? m_content : static_cast<QWidget*>(m_disconnected));
}

void SectionPage::showError(const QString& what, const QString& details) {
    m_banner->showMessage(MessageBanner::Level::Error, what, details);
    emit errorShown(what);
}

void SectionPage::showInfo(const QString& text, const QString& details) {
    m_banner->showMessage(MessageBanner::Level::Positive, text, details);
}

}  // namespace fulcrum::ui
