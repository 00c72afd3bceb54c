#include "ui/pages/OverviewPage.h"
#include "ui/Plural.h"

#include "ui/Icons.h"
#include "ui/Theme.h"
#include "app/models/host_events.h"
#include "app/models/metric_series_model.h"
#include "ui/widgets/Card.h"
#include "ui/widgets/ChartCard.h"
#include "ui/widgets/EventList.h"
#include "ui/widgets/MessageBanner.h"
#include "ui/widgets/StatusPill.h"

#include <QDateTime>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace fulcrum::ui {

OverviewPage::OverviewPage(QWidget* parent)
    : SectionPage(QStringLiteral("overviewPage"), QStringLiteral("overview"), parent),
      m_hostFacts(new FactList), m_agentFacts(new FactList), m_bootPill(new StatusPill), m_bootText(new QLabel),
      m_fixBoot(new QPushButton(Icons::get(QStringLiteral("boot"), Qt::white), tr("Make it start at boot"))),
      m_health(new FactList), m_healthPill(new StatusPill), m_proxyBanner(new MessageBanner),
      m_requests(new ChartCard(tr("Requests · last 10 minutes"), &ChartCard::formatRate)), m_events(new EventList) {
    // A proxy that does not run takes every site of the host down: it is said above the
    // cards, not only as one row of the health card, and stays until the proxy runs again.
    m_proxyBanner->setObjectName(QStringLiteral("proxyProblemBanner"));
    m_proxyBanner->setClosable(false);
    contentLayout()->addWidget(m_proxyBanner);

    auto* grid = new QGridLayout;
    grid->setSpacing(14);

    auto* host = new Card(tr("Host"), QStringLiteral("server"));
    m_hostFacts->setObjectName(QStringLiteral("hostFacts"));
    host->body()->addWidget(m_hostFacts);
    host->body()->addStretch(1);
    grid->addWidget(host, 0, 0);

    auto* agent = new Card(tr("Agent"), QStringLiteral("deploy"));
    m_agentFacts->setObjectName(QStringLiteral("agentFacts"));
    m_agentFacts->setFact(QStringLiteral("version"), tr("Version"), tr("—"), QStringLiteral("agentVersionLabel"));
    agent->body()->addWidget(m_agentFacts);
    agent->body()->addStretch(1);
    grid->addWidget(agent, 0, 1);

    auto* boot = new Card(tr("Starts after a reboot"), QStringLiteral("boot"));
    m_bootPill->setObjectName(QStringLiteral("bootPersistencePill"));
    boot->addHeaderWidget(m_bootPill);
    m_bootText->setObjectName(QStringLiteral("bootPersistenceLabel"));
    m_bootText->setWordWrap(true);
    m_bootText->setText(tr("Checking…"));
    boot->body()->addWidget(m_bootText);
    m_fixBoot->setObjectName(QStringLiteral("fixBootPersistenceButton"));
    m_fixBoot->setProperty("primary", true);
    m_fixBoot->setToolTip(tr("Install the boot hook for your user (no root needed) so the agent, its workers and "
                             "the proxy come back after every reboot"));
    m_fixBoot->hide();
    boot->body()->addWidget(m_fixBoot, 0, Qt::AlignLeft);
    boot->body()->addStretch(1);
    connect(m_fixBoot, &QPushButton::clicked, this, &OverviewPage::fixBootPersistenceRequested);
    grid->addWidget(boot, 1, 0);

    auto* health = new Card(tr("Health"), QStringLiteral("traffic"));
    m_healthPill->setObjectName(QStringLiteral("healthPill"));
    health->addHeaderWidget(m_healthPill);
    m_health->setObjectName(QStringLiteral("healthFacts"));
    health->body()->addWidget(m_health);
    health->body()->addStretch(1);
    grid->addWidget(health, 1, 1);
    // The lower half: is it serving, and did anything happen? Both fill what the window has.
    m_requests->setObjectName(QStringLiteral("overviewRequestsChart"));
    m_requests->addSeries(tr("requests"));
    m_requests->addSeries(tr("5xx"), ChartCard::Tone::Error);
    grid->addWidget(m_requests, 2, 0);
    auto* events = new Card(tr("Recent events"), QStringLiteral("history"));
    events->setObjectName(QStringLiteral("recentEventsCard"));
    events->body()->addWidget(m_events, 1);
    grid->addWidget(events, 2, 1);
    // Their own size hints are tall (a chart, a list); the page is measured height-for-width
    // (it has wrapping labels), which would take those hints as the least height and scroll a
    // window that has room. They take what is left, down to a readable minimum.
    for (QWidget* lower : {static_cast<QWidget*>(m_requests), static_cast<QWidget*>(events)}) {
        lower->setMinimumHeight(lower->minimumSizeHint().height());
        lower->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Ignored);
    }
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);
    grid->setRowStretch(2, 1);

    contentLayout()->addLayout(grid, 1);
    setHealth({});
}

void OverviewPage::setSeriesModel(app::MetricSeriesModel* model) {
    if (m_model) disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    if (model) {
        connect(model, &QAbstractItemModel::rowsInserted, this, [this] { m_redraw.schedule(); });
        connect(model, &QAbstractItemModel::modelReset, this, [this] { m_redraw.schedule(); });
    }
    redrawRequests();
}

void OverviewPage::setEvents(app::HostEvents* events) { m_events->setModel(events); }

void OverviewPage::redrawRequests() {
    using M = app::MetricSeriesModel;
    const bool empty = !m_model || m_model->sampleCount() == 0;
    m_requests->setPoints(0, empty ? QList<QPointF>() : m_model->points(M::RequestsColumn, kRequestsRangeSeconds));
    m_requests->setPoints(1, empty ? QList<QPointF>() : m_model->points(M::Rate5xxColumn, kRequestsRangeSeconds));
    m_requests->setWindow(empty ? QDateTime::currentMSecsSinceEpoch() : m_model->newestMsecs(), kRequestsRangeSeconds);
}

void OverviewPage::setHostFact(const QString& key, const QString& label, const QString& value) {
    m_hostFacts->setFact(key, label, value, key + QStringLiteral("Label"));
}

void OverviewPage::setAgent(const QString& version, const QString& protocol, const QString& startedBy) {
    m_agentFacts->setFact(QStringLiteral("version"), tr("Version"), version, QStringLiteral("agentVersionLabel"));
    m_agentFacts->setFact(QStringLiteral("protocol"), tr("Protocol"), protocol);
    m_agentFacts->setFact(QStringLiteral("startedBy"), tr("Started by"), startedBy);
}

void OverviewPage::setBootPersistence(bool installed, const QString& detail, const QString& fix) {
    m_bootPill->setStatus(installed ? tr("Installed") : tr("Missing"), installed ? Semantic::ok() : Semantic::warning());
    // The agent's own summary says what will not come back; the generic sentence is for
    // agents that give none.
    m_bootText->setText(installed || !detail.isEmpty()
                            ? detail
                            : tr("After a reboot the agent, its workers and the proxy will NOT come back on their own."));
    m_fixBoot->setToolTip(fix.isEmpty() ? tr("Install the boot entry that starts the agent after a reboot") : fix);
    m_fixBoot->setVisible(!installed);
    m_fixBoot->setEnabled(true);
}

void OverviewPage::setBootPersistenceBusy(bool busy) {
    m_fixBoot->setEnabled(!busy);
    if (busy) m_bootText->setText(tr("Installing the boot hook…"));
}

void OverviewPage::setBootPersistenceUnavailable(const QString& text) {
    m_bootPill->setStatus(tr("Unknown"), Semantic::muted());
    m_bootText->setText(text);
    m_fixBoot->hide();
}

void OverviewPage::setHealth(const Health& h) {
    const QString unavailable = tr("not available on this agent");
    const auto ratio = [&](bool available, int a, int b) {
        if (!available) return unavailable;
        return b == 0 ? tr("none configured") : tr("%1 of %2").arg(a).arg(b);
    };
    m_health->setFact(QStringLiteral("workers"), tr("Workers running"),
                      ratio(h.workersAvailable, h.workersRunning, h.workersTotal), QStringLiteral("healthWorkersLabel"));
    m_health->setFact(QStringLiteral("servers"), tr("Pool servers healthy"),
                      !h.serversAvailable && !h.serversUnknown.isEmpty()
                          ? h.serversUnknown
                          : ratio(h.serversAvailable, h.serversHealthy, h.serversTotal),
                      QStringLiteral("healthServersLabel"));
    QString proxy = unavailable;
    if (h.proxyAvailable && !h.proxyText.isEmpty()) {
        proxy = h.proxyText;
    } else if (h.proxyAvailable) {
        proxy = h.listenersTotal == 0 ? tr("no listeners configured")
                : h.proxyRunning      ? tr("running · %1").arg(plural(h.listenersTotal, "%1 listener", "%1 listeners"))
                                      : tr("NOT running · %1 configured").arg(plural(h.listenersTotal, "%1 listener", "%1 listeners"));
    }
    m_health->setFact(QStringLiteral("listeners"), tr("Proxy"), proxy, QStringLiteral("healthListenersLabel"));
    m_health->setFact(QStringLiteral("certs"), tr("Certificates expiring soon"),
                      QString::number(h.certificatesExpiringSoon), QStringLiteral("healthCertsLabel"));
    const bool known = h.workersAvailable && h.serversAvailable && h.proxyAvailable;
    const bool anything = h.workersTotal + h.serversTotal + h.listenersTotal > 0;
    // Only what is known can need attention; an agent without a feature is "partly unknown".
    const bool knownBad = (h.workersAvailable && h.workersRunning < h.workersTotal) ||
                          (h.serversAvailable && h.serversHealthy < h.serversTotal) ||
                          (h.proxyAvailable && h.listenersTotal > 0 && !h.proxyRunning) || h.certificatesExpiringSoon > 0;
    if (h.proxyFailing) {
        m_healthPill->setStatus(tr("Proxy failing"), Semantic::error());
    } else if (knownBad) {
        m_healthPill->setStatus(tr("Needs attention"), Semantic::warning());
    } else if (!known) {
        m_healthPill->setStatus(tr("Partly unknown"), Semantic::muted());
    } else if (!anything) {
        m_healthPill->setStatus(tr("Nothing running yet"), Semantic::muted());
    } else {
        m_healthPill->setStatus(tr("All healthy"), Semantic::ok());
    }
}

}  // namespace fulcrum::ui

namespace fulcrum::ui {

void OverviewPage::setProxyProblem(const QString& title, const QString& details, bool canStart) {
    if (title.isEmpty()) {
        m_proxyBanner->hide();
        return;
    }
    // showMessage() clears the banner's buttons; the same words again must not flicker.
    if (m_proxyBanner->isVisibleTo(this) && m_proxyBanner->text() == title && (!m_startProxy.isNull()) == canStart &&
        m_proxyBanner->property("details").toString() == details)
        return;
    m_proxyBanner->showMessage(canStart ? MessageBanner::Level::Error : MessageBanner::Level::Warning, title, details);
    m_proxyBanner->setProperty("details", details);
    if (canStart) {
        m_startProxy = m_proxyBanner->addAction(tr("Start the proxy again"), [this] { emit startProxyRequested(); });
        m_startProxy->setObjectName(QStringLiteral("startProxyButton"));
        m_startProxy->setToolTip(tr("Apply this host's configuration again: the agent gives the proxy a fresh set "
                                    "of tries"));
    }
}

void OverviewPage::setProxyStarting(bool starting) {
    if (m_startProxy) m_startProxy->setEnabled(!starting);
}

}  // namespace fulcrum::ui
