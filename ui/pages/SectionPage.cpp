#include "ui/pages/SectionPage.h"

#include "ui/widgets/EmptyState.h"
#include "ui/widgets/MessageBanner.h"

#include "ui/Icons.h"

#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace fulcrum::ui {

SectionPage::SectionPage(const QString& objectName, const QString& icon, QWidget* parent)
    : QWidget(parent), m_banner(new MessageBanner(this)), m_stack(new QStackedWidget(this)),
      m_content(new QWidget(this)), m_contentLayout(new QVBoxLayout(m_content)),
      m_disconnected(new EmptyState(icon, tr("Not connected"),
                                    tr("Connect to this host to see and change it. Fulcrum talks to it over SSH; "
                                       "nothing changes on the host until you apply."),
                                    this)) {
    setObjectName(objectName);
    m_banner->setObjectName(objectName + QStringLiteral("Banner"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(20, 16, 20, 16);
    layout->setSpacing(12);
    layout->addWidget(m_banner);
    layout->addWidget(m_stack, 1);
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
    m_disconnected->setText(tr("Not connected"),
                            local ? tr("Connect to manage this computer. Fulcrum starts its agent here directly, "
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
}

void SectionPage::showInfo(const QString& text, const QString& details) {
    m_banner->showMessage(MessageBanner::Level::Positive, text, details);
}

}  // namespace fulcrum::ui
