#pragma once
// Live traffic through the host's proxy: total and per-server req/s, latency p50/p99, 4xx/5xx
// rates, active connections, bytes in/out, drawn from the host's MetricSeriesModel. Samples
// arrive once a second; the charts redraw at most once per event-loop pass whatever the
// number of series, and show 1 min, 10 min or the stored hour.

#include "ui/CoalescedCall.h"
#include "ui/pages/SectionPage.h"

#include <QPointer>

class QButtonGroup;
class QLabel;
class QPushButton;

namespace fulcrum::app {
class MetricSeriesModel;
}

namespace fulcrum::ui {

class ChartCard;

class TrafficPage : public SectionPage {
    Q_OBJECT
public:
    explicit TrafficPage(QWidget* parent = nullptr);

    // The host's samples (the stored hour, then one per second). Not owned.
    void setSeriesModel(app::MetricSeriesModel* model);
    void setRangeSeconds(int seconds);
    int rangeSeconds() const { return m_range; }
    void setTestTrafficAvailable(bool available);
    // While test traffic runs the button stops it, and `status` says how far it got.
    void setTestTrafficRunning(bool running, const QString& status = {});
    // Why there is nothing live to show (no metrics on this agent, proxy not running); empty: live.
    void setFeedProblem(const QString& text);
    ChartCard* requestsChart() const { return m_requests; }
    ChartCard* perServerChart() const { return m_perServer; }
    int sampleCount() const;

signals:
    void sendTestTrafficRequested();
    void stopTestTrafficRequested();
    void rangeChanged(int seconds);

private:
    void redraw();

    QPointer<app::MetricSeriesModel> m_model;
    int m_range = 60;
    CoalescedCall m_redraw{this, [this] { redraw(); }};
    bool m_testRunning = false;
    QString m_feedProblem;
    QButtonGroup* m_rangeGroup;
    QPushButton* m_testTraffic;
    QLabel* m_lastUpdate;
    QLabel* m_testStatus;
    ChartCard* m_requests;
    ChartCard* m_perServer;
    ChartCard* m_latency;
    ChartCard* m_errors;
    ChartCard* m_active;
    ChartCard* m_bytes;
    QStringList m_serverKeys;
};

}  // namespace fulcrum::ui
