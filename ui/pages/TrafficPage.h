#pragma once
// Live traffic through the host's proxy: total and per-server req/s, latency p50/p99, 4xx/5xx
// rates, active connections, bytes in/out. Samples arrive once a second; the charts redraw
// once per tick whatever the number of series, and show 1 min, 10 min or the stored hour.

#include "ui/pages/SectionPage.h"

#include <QHash>
#include <QList>
#include <QPointF>

class QButtonGroup;
class QLabel;
class QPushButton;

namespace fulcrum::ui {

class ChartCard;

class TrafficPage : public SectionPage {
    Q_OBJECT
public:
    struct Sample {
        qint64 msecs = 0;
        double requestsPerSecond = 0;
        double p50Ms = 0, p99Ms = 0;
        double rate4xx = 0, rate5xx = 0;
        double activeConnections = 0;
        double bytesInPerSecond = 0, bytesOutPerSecond = 0;
        QHash<QString, double> perServerRequests;  // "pool/address" -> req/s
    };
    static constexpr int kHistorySeconds = 3600;

    explicit TrafficPage(QWidget* parent = nullptr);

    // Replaces everything (the stored hour, on open) or appends one live sample.
    void setHistory(const QList<Sample>& samples);
    void appendSample(const Sample& sample);
    void setRangeSeconds(int seconds);
    int rangeSeconds() const { return m_range; }
    void setTestTrafficAvailable(bool available);
    ChartCard* requestsChart() const { return m_requests; }
    ChartCard* perServerChart() const { return m_perServer; }
    int sampleCount() const { return static_cast<int>(m_samples.size()); }

signals:
    void sendTestTrafficRequested();
    void rangeChanged(int seconds);

private:
    void redraw();

    QList<Sample> m_samples;
    int m_range = 60;
    QButtonGroup* m_rangeGroup;
    QPushButton* m_testTraffic;
    QLabel* m_lastUpdate;
    ChartCard* m_requests;
    ChartCard* m_perServer;
    ChartCard* m_latency;
    ChartCard* m_errors;
    ChartCard* m_active;
    ChartCard* m_bytes;
    QStringList m_serverKeys;
};

}  // namespace fulcrum::ui
