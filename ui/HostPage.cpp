#include "ui/HostPage.h"

#include "ui/Icons.h"
#include "ui/pages/OverviewPage.h"
#include "ui/pages/PoolsPage.h"
#include "ui/pages/RebootPage.h"
#include "ui/pages/StaticHttpsPage.h"
#include "ui/pages/TrafficPage.h"
#include "ui/pages/WorkersPage.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/SectionTabBar.h"
#include "ui/widgets/StatusPill.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QStackedWidget>
#include <QTabBar>
#include <QVBoxLayout>

namespace fulcrum::ui {

HostPage::HostPage(const QString& hostId, QWidget* parent)
    : QWidget(parent), m_hostId(hostId), m_title(new QLabel), m_subtitle(new QLabel), m_pill(new StatusPill),
      m_connect(new QPushButton), m_deploy(new QPushButton(Icons::get(QStringLiteral("deploy")), tr("Update agent"))),
      m_stopDemo(new QPushButton(Icons::get(QStringLiteral("stop")), tr("Stop the demo"))), m_tabs(new SectionTabBar), m_notice(new MessageBanner), m_stack(new QStackedWidget), m_overview(new OverviewPage), m_pools(new PoolsPage),
      m_workers(new WorkersPage), m_traffic(new TrafficPage), m_static(new StaticHttpsPage), m_reboot(new RebootPage) {
    setObjectName(QStringLiteral("hostPage_") + hostId);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    auto* header = new QWidget;
    header->setObjectName(QStringLiteral("hostHeader"));
    header->setAttribute(Qt::WA_StyledBackground);
    auto* headerLayout = new QVBoxLayout(header);
    headerLayout->setContentsMargins(24, 16, 24, 0);
    headerLayout->setSpacing(4);
    auto* titleRow = new QHBoxLayout;
    titleRow->setSpacing(12);
    m_title->setObjectName(QStringLiteral("hostTitle"));
    titleRow->addWidget(m_title);
    m_pill->setObjectName(QStringLiteral("hostStatusPill"));
    titleRow->addWidget(m_pill, 0, Qt::AlignVCenter);
    titleRow->addStretch(1);
    m_deploy->setObjectName(QStringLiteral("deployAgentButton"));
    m_deploy->setToolTip(tr("Upload this panel's agent to the host and restart it without stopping workers or the proxy"));
    titleRow->addWidget(m_deploy);
    m_stopDemo->setObjectName(QStringLiteral("stopDemoButton"));
    m_stopDemo->setToolTip(tr("Stop the agent on this computer with the demo's workers and proxy (asks first; "
                              "Connect starts them again)"));
    m_stopDemo->hide();
    titleRow->addWidget(m_stopDemo);
    m_connect->setObjectName(QStringLiteral("connectButton"));
    titleRow->addWidget(m_connect);
    headerLayout->addLayout(titleRow);
    m_subtitle->setObjectName(QStringLiteral("hostSubtitle"));
    m_subtitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    headerLayout->addWidget(m_subtitle);
    headerLayout->addSpacing(8);

    m_tabs->setObjectName(QStringLiteral("sectionTabs"));
    m_tabs->setDrawBase(false);
    m_tabs->setExpanding(false);
    m_tabs->setDocumentMode(true);
    const QList<QPair<QString, QString>> sections{{QStringLiteral("overview"), tr("Overview")},
                                                  {QStringLiteral("pools"), tr("Pools")},
                                                  {QStringLiteral("workers"), tr("Workers")},
                                                  {QStringLiteral("traffic"), tr("Traffic")},
                                                  {QStringLiteral("https"), tr("Static && HTTPS")},
                                                  {QStringLiteral("reboot"), tr("Reboot && verify")}};
    for (int i = 0; i < sections.size(); ++i) {
        m_tabs->addSection(Icons::get(sections[i].first), sections[i].second);
        m_tabs->setTabToolTip(i, tr("%1 (Ctrl+%2)").arg(QString(sections[i].second).replace(QStringLiteral("&&"), QStringLiteral("&"))).arg(i + 1));
    }
    headerLayout->addWidget(m_tabs);
    layout->addWidget(header);
    m_notice->setObjectName(QStringLiteral("hostNoticeBanner"));
    m_notice->setClosable(true);
    auto* noticeRow = new QHBoxLayout;
    noticeRow->setContentsMargins(24, 12, 24, 0);
    noticeRow->addWidget(m_notice);
    layout->addLayout(noticeRow);

    for (QWidget* page : {static_cast<QWidget*>(m_overview), static_cast<QWidget*>(m_pools),
                          static_cast<QWidget*>(m_workers), static_cast<QWidget*>(m_traffic),
                          static_cast<QWidget*>(m_static), static_cast<QWidget*>(m_reboot)}) {
        m_stack->addWidget(page);
    }
    layout->addWidget(m_stack, 1);

    connect(m_tabs, &QTabBar::currentChanged, this, [this](int index) {
        m_stack->setCurrentIndex(index);
        emit sectionChanged(index);
    });
    connect(m_connect, &QPushButton::clicked, this, [this] {
        if (m_state == HostState::Disconnected || m_state == HostState::Unreachable || m_state == HostState::Error) {
            emit connectRequested();
        } else {
            emit disconnectRequested();
        }
    });
    connect(m_deploy, &QPushButton::clicked, this, &HostPage::deployRequested);
    connect(m_stopDemo, &QPushButton::clicked, this, &HostPage::stopDemoRequested);
    setState(HostState::Disconnected);
}

void HostPage::setTitle(const QString& name, const QString& subtitle) {
    m_title->setText(name);
    m_subtitle->setText(subtitle);
}

void HostPage::setLocal(bool local) {
    for (int i = 0; i < SectionCount; ++i) page(i)->setLocal(local);
    // The agent of "This computer" is the one bundled with the panel: nothing to upload.
    m_deploy->setVisible(!local);
}

void HostPage::setDemo(bool demo) {
    m_demo = demo;
    setState(m_state);
    emit actionsChanged();
}

bool HostPage::canStopDemo() const { return m_demo && m_state == HostState::Connected && !m_stoppingDemo; }

void HostPage::setStoppingDemo(bool stopping) {
    m_stoppingDemo = stopping;
    m_stopDemo->setText(stopping ? tr("Stopping the demo…") : tr("Stop the demo"));
    setState(m_state);
    emit actionsChanged();
}

void HostPage::setState(HostState state, const QString& detail) {
    m_state = state;
    m_pill->setStatus(HostStatusText::label(state), HostStatusText::color(state));
    m_pill->setToolTip(detail.isEmpty() ? HostStatusText::hint(state) : detail);
    const bool canConnect = state == HostState::Disconnected || state == HostState::Unreachable || state == HostState::Error;
    m_connect->setText(canConnect ? tr("Connect") : tr("Disconnect"));
    m_connect->setIcon(Icons::get(canConnect ? QStringLiteral("connect") : QStringLiteral("disconnect"),
                                  canConnect ? QColor(Qt::white) : QColor()));
    m_connect->setProperty("primary", canConnect);
    m_connect->style()->unpolish(m_connect);
    m_connect->style()->polish(m_connect);
    m_deploy->setEnabled(state == HostState::Connected);
    m_stopDemo->setVisible(m_demo && (state == HostState::Connected || m_stoppingDemo));
    m_stopDemo->setEnabled(canStopDemo());
    // A page that is not live says why, in the session's own words: "Not connected" while it
    // retries, or while a stopped connection waits for the person, read as if nothing were wrong.
    QString title;
    switch (state) {
    case HostState::Connecting:
    case HostState::Deploying: title = tr("Connecting…"); break;
    case HostState::Unreachable: title = tr("No answer from this host"); break;
    case HostState::Error: title = tr("Could not connect"); break;
    case HostState::Disconnected:
    case HostState::Connected:
    case HostState::Rebooting: break;
    }
    const QString why = detail.isEmpty() ? HostStatusText::hint(state) : detail;
    const QString offline = state == HostState::Unreachable && !detail.isEmpty()
                                ? why + QLatin1Char(' ') + tr("Fulcrum keeps trying; check the network, or that sshd runs there.")
                                : why;
    const bool live = state == HostState::Connected || state == HostState::Rebooting;
    for (int i = 0; i < SectionCount; ++i) {
        // Reboot & verify keeps showing its timeline while the host is down.
        page(i)->setOfflineText(title, offline);
        page(i)->setConnected(live || (i == Reboot && m_reboot->isRunning()));
    }
}

void HostPage::setSection(int section) {
    if (section >= 0 && section < SectionCount) m_tabs->setCurrentIndex(section);
}

int HostPage::section() const { return m_tabs->currentIndex(); }

SectionPage* HostPage::page(int section) const {
    switch (section) {
    case Overview: return m_overview;
    case Pools: return m_pools;
    case Workers: return m_workers;
    case Traffic: return m_traffic;
    case StaticHttps: return m_static;
    case Reboot: return m_reboot;
    default: return nullptr;
    }
}

}  // namespace fulcrum::ui
