#include "ui/pages/TrafficPage.h"

#include "app/models/metric_series_model.h"

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
      m_lastUpdate(new QLabel), m_testStatus(new QLabel),
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
    // It can say why there is no traffic in a long sentence: wrapped, so a narrow window
    // scrolls no sideways for it.
    m_lastUpdate->setWordWrap(true);
    m_lastUpdate->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    header->addWidget(m_lastUpdate, 1);
    m_testStatus->setObjectName(QStringLiteral("testTrafficStatusLabel"));
    m_testStatus->setProperty("role", QStringLiteral("muted"));
    header->addWidget(m_testStatus);
    header->addSpacing(8);
    m_testTraffic->setObjectName(QStringLiteral("sendTestTrafficButton"));
    m_testTraffic->setToolTip(tr("Send a short, bounded burst of requests from this computer through the proxy"));
    header->addWidget(m_testTraffic);
    contentLayout()->addLayout(header);

    m_perServer->setHeadlineSumsSeries(true);
    m_requests->addSeries(tr("total"));
    m_latency->addSeries(tr("p50"));
    m_latency->addSeries(tr("p99"));
    m_errors->addSeries(tr("4xx"), ChartCard::Tone::Warning);
    m_errors->addSeries(tr("5xx"), ChartCard::Tone::Error);
    m_errors->setHeadlineSumsSeries(true);
    m_active->addSeries(tr("active"));
    m_bytes->addSeries(tr("in"));
    m_bytes->addSeries(tr("out"));
    m_bytes->setAxisUnits(ChartCard::bytesRateUnits());
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

    connect(m_testTraffic, &QPushButton::clicked, this, [this] {
        if (m_testRunning) {
            emit stopTestTrafficRequested();
        } else {
            emit sendTestTrafficRequested();
        }
    });
    connect(m_rangeGroup, &QButtonGroup::idClicked, this, [this](int seconds) {
        setRangeSeconds(seconds);
        emit rangeChanged(seconds);
    });
    setRangeSeconds(settings()->get(Settings::Key::TrafficRange).toInt());
    m_testTraffic->hide();
}

void TrafficPage::setTestTrafficAvailable(bool available) { m_testTraffic->setVisible(available); }

void TrafficPage::setTestTrafficRunning(bool running, const QString& status) {
    m_testRunning = running;
    m_testTraffic->setText(running ? tr("Stop test traffic") : tr("Send test traffic"));
    m_testTraffic->setIcon(Icons::get(running ? QStringLiteral("stop") : QStringLiteral("send")));
    m_testStatus->setText(status);
}

void TrafficPage::setFeedProblem(const QString& text) {
    m_feedProblem = text;
    redraw();
}

void TrafficPage::setSeriesModel(app::MetricSeriesModel* model) {
    if (m_model) disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    if (model) {
        connect(model, &QAbstractItemModel::rowsInserted, this, [this] { m_redraw.schedule(); });
        connect(model, &QAbstractItemModel::modelReset, this, [this] { m_redraw.schedule(); });
        connect(model, &app::MetricSeriesModel::serverKeysChanged, this, [this] { m_redraw.schedule(); });
    }
    redraw();
}

int TrafficPage::sampleCount() const { return m_model ? m_model->sampleCount() : 0; }

void TrafficPage::setRangeSeconds(int seconds) {
    if (seconds != 60 && seconds != 600 && seconds != 3600) seconds = 60;
    m_range = seconds;
    if (auto* b = m_rangeGroup->button(seconds)) b->setChecked(true);
    settings()->set(Settings::Key::TrafficRange, seconds);
    redraw();
}

void TrafficPage::redraw() {
    using M = app::MetricSeriesModel;
    const QStringList keys = m_model ? m_model->serverKeys() : QStringList();
    if (keys != m_serverKeys) {
        // Servers keep their line while they are in the stored hour; new ones get a new line.
        m_serverKeys = keys;
        m_perServer->removeAllSeries();
        for (const auto& key : m_serverKeys) m_perServer->addSeries(key);
    }
    const auto points = [this](M::Column c) { return m_model ? m_model->points(c, m_range) : QList<QPointF>(); };
    m_requests->setPoints(0, points(M::RequestsColumn));
    m_latency->setPoints(0, points(M::P50Column));
    m_latency->setPoints(1, points(M::P99Column));
    m_errors->setPoints(0, points(M::Rate4xxColumn));
    m_errors->setPoints(1, points(M::Rate5xxColumn));
    m_active->setPoints(0, points(M::ConnectionsColumn));
    m_bytes->setPoints(0, points(M::BytesInColumn));
    m_bytes->setPoints(1, points(M::BytesOutColumn));
    for (int i = 0; i < m_serverKeys.size(); ++i) {
        m_perServer->setPoints(i, m_model ? m_model->serverPoints(m_serverKeys[i], m_range) : QList<QPointF>());
    }
    const bool empty = !m_model || m_model->sampleCount() == 0;
    const qint64 now = empty ? QDateTime::currentMSecsSinceEpoch() : m_model->newestMsecs();
    for (auto* chart : {m_requests, m_perServer, m_latency, m_errors, m_active, m_bytes}) chart->setWindow(now, m_range);
    if (!m_feedProblem.isEmpty()) {
        m_lastUpdate->setText(m_feedProblem);
    } else if (empty) {
        m_lastUpdate->setText(tr("Waiting for the first sample…"));
    } else {
        m_lastUpdate->setText(tr("Live · updated %1").arg(QDateTime::fromMSecsSinceEpoch(now).toString(QStringLiteral("HH:mm:ss"))));
    }
}

}  // namespace fulcrum::ui
