#include "ui/pages/TrafficPage.h"

#include "ui/Icons.h"
#include "ui/Settings.h"
#include "ui/widgets/ChartCard.h"

#include <QButtonGroup>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>

namespace fulcrum::ui {

TrafficPage::TrafficPage(QWidget* parent)
    : SectionPage(QStringLiteral("trafficPage"), QStringLiteral("traffic"), parent), m_rangeGroup(new QButtonGroup(this)),
      m_testTraffic(new QPushButton(Icons::get(QStringLiteral("send")), tr("Send test traffic"))),
      m_lastUpdate(new QLabel),
      m_requests(new ChartCard(tr("Requests"), &ChartCard::formatRate)),
      m_perServer(new ChartCard(tr("Requests per server"), &ChartCard::formatRate)),
      m_latency(new ChartCard(tr("Latency p50 / p99"), &ChartCard::formatMillis)),
      m_errors(new ChartCard(tr("Errors 4xx / 5xx"), &ChartCard::formatRate)),
      m_active(new ChartCard(tr("Active connections"), &ChartCard::formatCount)),
      m_bytes(new ChartCard(tr("Bytes in / out"), &ChartCard::formatBytesRate)) {
    auto* header = new QHBoxLayout;
    header->setSpacing(0);
    const QList<QPair<int, QString>> ranges{{60, tr("1 min")}, {600, tr("10 min")}, {3600, tr("1 hour")}};
    for (int i = 0; i < ranges.size(); ++i) {
        auto* b = new QToolButton;
        b->setText(ranges[i].second);
        b->setCheckable(true);
        b->setProperty("segment", true);
        b->setProperty("segmentPosition", i == 0 ? QStringLiteral("first") : i == ranges.size() - 1 ? QStringLiteral("last") : QString());
        b->setObjectName(QStringLiteral("range%1Button").arg(ranges[i].first));
        m_rangeGroup->addButton(b, ranges[i].first);
        header->addWidget(b);
    }
    header->addSpacing(12);
    m_lastUpdate->setObjectName(QStringLiteral("trafficLastUpdateLabel"));
    m_lastUpdate->setProperty("role", QStringLiteral("muted"));
    header->addWidget(m_lastUpdate);
    header->addStretch(1);
    m_testTraffic->setObjectName(QStringLiteral("sendTestTrafficButton"));
    m_testTraffic->setToolTip(tr("Send a short, bounded burst of requests from this computer through the proxy"));
    header->addWidget(m_testTraffic);
    contentLayout()->addLayout(header);

    m_perServer->setHeadlineSumsSeries(true);
    m_requests->addSeries(tr("total"));
    m_latency->addSeries(tr("p50"));
    m_latency->addSeries(tr("p99"));
    m_errors->addSeries(tr("4xx"));
    m_errors->addSeries(tr("5xx"));
    m_errors->setHeadlineSumsSeries(true);
    m_active->addSeries(tr("active"));
    m_bytes->addSeries(tr("in"));
    m_bytes->addSeries(tr("out"));
    m_requests->setObjectName(QStringLiteral("requestsChart"));
    m_perServer->setObjectName(QStringLiteral("perServerChart"));
    m_latency->setObjectName(QStringLiteral("latencyChart"));
    m_errors->setObjectName(QStringLiteral("errorsChart"));
    m_active->setObjectName(QStringLiteral("activeConnectionsChart"));
    m_bytes->setObjectName(QStringLiteral("bytesChart"));

    auto* grid = new QGridLayout;
    grid->setSpacing(14);
    grid->addWidget(m_requests, 0, 0);
    grid->addWidget(m_perServer, 0, 1);
    grid->addWidget(m_latency, 1, 0);
    grid->addWidget(m_errors, 1, 1);
    grid->addWidget(m_active, 2, 0);
    grid->addWidget(m_bytes, 2, 1);
    contentLayout()->addLayout(grid, 1);

    connect(m_testTraffic, &QPushButton::clicked, this, &TrafficPage::sendTestTrafficRequested);
    connect(m_rangeGroup, &QButtonGroup::idClicked, this, [this](int seconds) {
        setRangeSeconds(seconds);
        emit rangeChanged(seconds);
    });
    setRangeSeconds(settings()->get(Settings::Key::TrafficRange).toInt());
    m_testTraffic->hide();
}

void TrafficPage::setTestTrafficAvailable(bool available) { m_testTraffic->setVisible(available); }

void TrafficPage::setRangeSeconds(int seconds) {
    if (seconds != 60 && seconds != 600 && seconds != 3600) seconds = 60;
    m_range = seconds;
    if (auto* b = m_rangeGroup->button(seconds)) b->setChecked(true);
    settings()->set(Settings::Key::TrafficRange, seconds);
    redraw();
}

void TrafficPage::setHistory(const QList<Sample>& samples) {
    m_samples = samples.mid(std::max<qsizetype>(0, samples.size() - kHistorySeconds));
    m_serverKeys.clear();
    m_perServer->removeAllSeries();
    redraw();
}

void TrafficPage::appendSample(const Sample& sample) {
    if (!m_samples.isEmpty() && sample.msecs <= m_samples.last().msecs) return;  // duplicates after a reconnect
    m_samples.append(sample);
    if (m_samples.size() > kHistorySeconds) m_samples.removeFirst();
    redraw();
}

void TrafficPage::redraw() {
    // New upstream servers get their own line; servers that left keep theirs until the hour
    // they appear in has scrolled out.
    bool newServer = false;
    for (const auto& s : m_samples) {
        for (auto it = s.perServerRequests.begin(); it != s.perServerRequests.end(); ++it) {
            if (!m_serverKeys.contains(it.key())) {
                m_serverKeys.append(it.key());
                newServer = true;
            }
        }
    }
    if (newServer) {
        m_perServer->removeAllSeries();
        for (const auto& key : m_serverKeys) m_perServer->addSeries(key);
    }
    QList<QPointF> reqs, p50, p99, e4, e5, active, in, out;
    QList<QList<QPointF>> perServer(m_serverKeys.size());
    for (const auto& s : m_samples) {
        const double x = double(s.msecs);
        reqs << QPointF(x, s.requestsPerSecond);
        p50 << QPointF(x, s.p50Ms);
        p99 << QPointF(x, s.p99Ms);
        e4 << QPointF(x, s.rate4xx);
        e5 << QPointF(x, s.rate5xx);
        active << QPointF(x, s.activeConnections);
        in << QPointF(x, s.bytesInPerSecond);
        out << QPointF(x, s.bytesOutPerSecond);
        for (int i = 0; i < m_serverKeys.size(); ++i) perServer[i] << QPointF(x, s.perServerRequests.value(m_serverKeys[i]));
    }
    m_requests->setPoints(0, reqs);
    m_latency->setPoints(0, p50);
    m_latency->setPoints(1, p99);
    m_errors->setPoints(0, e4);
    m_errors->setPoints(1, e5);
    m_active->setPoints(0, active);
    m_bytes->setPoints(0, in);
    m_bytes->setPoints(1, out);
    for (int i = 0; i < m_serverKeys.size(); ++i) m_perServer->setPoints(i, perServer[i]);
    const qint64 now = m_samples.isEmpty() ? QDateTime::currentMSecsSinceEpoch() : m_samples.last().msecs;
    for (auto* chart : {m_requests, m_perServer, m_latency, m_errors, m_active, m_bytes}) chart->setWindow(now, m_range);
    m_lastUpdate->setText(m_samples.isEmpty()
                              ? tr("Waiting for the first sample…")
                              : tr("Live · updated %1").arg(QDateTime::fromMSecsSinceEpoch(now).toString(QStringLiteral("HH:mm:ss"))));
}

}  // namespace fulcrum::ui
