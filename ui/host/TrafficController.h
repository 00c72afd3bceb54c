#pragma once
// Traffic: the stored hour (metrics.history) when the host connects, then one sample a second
// (metrics.subscribe), into the host's MetricSeriesModel that the charts draw. Each sample is
// passed on (sampleArrived) for the pool table's live columns and the overview's health.
// On "This computer" it also runs "Send test traffic" against the proxy's HTTP listener.

#include "ui/host/HostPart.h"

namespace fulcrum::app {
class MetricSeriesModel;
class StagedConfig;
class TestTraffic;
}  // namespace fulcrum::app

namespace fulcrum::ui {

class TrafficPage;

class TrafficController : public HostPart {
    Q_OBJECT
public:
    TrafficController(app::HostSession* session, TrafficPage* page, app::StagedConfig* config, QObject* parent = nullptr);

    void connected() override;
    void disconnected() override;
    app::MetricSeriesModel* model() const { return m_model; }
    app::TestTraffic* testTraffic() const { return m_traffic; }
    // Why the proxy is not running, in the words of the other pages (empty: it runs or the
    // reason is unknown); shown over the charts instead of the generic "not running".
    void setProxyProblem(const QString& text);

signals:
    void sampleArrived(const fulcrum::protocol::MetricsSample& sample);

private:
    void subscribe();
    void noteProxy(const protocol::MetricsSample& sample);
    void startTestTraffic();

    TrafficPage* m_page;
    app::StagedConfig* m_config;
    app::MetricSeriesModel* m_model;
    app::TestTraffic* m_traffic;
    qint64 m_subscription = 0;
    bool m_subscribing = false;
    QString m_proxyProblem;
    bool m_proxyRunning = true;  // as the last sample said
    QList<protocol::MetricsSample> m_early;  // samples that beat the subscribe answer (bounded)
};

}  // namespace fulcrum::ui
