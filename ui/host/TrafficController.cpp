#include "ui/host/TrafficController.h"
#include "ui/Plural.h"

#include "app/demo/test_traffic.h"
#include "app/models/format.h"
#include "app/models/metric_series_model.h"
#include "app/models/staged_config.h"
#include "ui/pages/TrafficPage.h"
#include "ui/widgets/MessageBanner.h"

#include <QJsonArray>

namespace fulcrum::ui {

namespace method = protocol::method;

TrafficController::TrafficController(app::HostSession* session, TrafficPage* page, app::StagedConfig* config,
                                     QObject* parent)
    : HostPart(session, parent), m_page(page), m_config(config), m_model(new app::MetricSeriesModel(this)),
      m_traffic(new app::TestTraffic(this)) {
    page->setSeriesModel(m_model);
    page->setTestTrafficAvailable(isLocal());
    connect(page, &TrafficPage::sendTestTrafficRequested, this, &TrafficController::startTestTraffic);
    connect(page, &TrafficPage::stopTestTrafficRequested, m_traffic, &app::TestTraffic::cancel);
    connect(m_traffic, &app::TestTraffic::progress, this, [this](const app::TestTraffic::Tally& t) {
        m_page->setTestTrafficRunning(true, plural(t.sent, "Test traffic: %1 request sent", "Test traffic: %1 requests sent"));
    });
    connect(m_traffic, &app::TestTraffic::finished, this, [this](const app::TestTraffic::Tally& t) {
        m_page->setTestTrafficRunning(false, QString());
        if (t.failed > 0 && t.failed == t.sent) {
            m_page->showError(tr("The test traffic got no answers."),
                              tr("%1 Is the proxy running? See Overview → Health.").arg(app::TestTraffic::summary(t)));
        } else {
            m_page->showInfo(tr("Test traffic finished."), app::TestTraffic::summary(t));
        }
    });
}

void TrafficController::connected() {
    if (auto* client = rpc(); client && wireOnce()) {
        connect(client, &app::RpcClient::metricsSample, this, [this](const protocol::MetricsSampleNotification& n) {
            if (m_subscription != 0 && n.subscription == m_subscription) {
                m_model->append(n.sample);
                noteProxy(n.sample);
                emit sampleArrived(n.sample);
            } else if (m_subscribing && m_early.size() < 10) {
                m_early.append(n.sample);
            }
        });
    }
    protocol::MetricsHistoryParams params;
    params.max_samples = app::MetricSeriesModel::kCapacity;
    call<method::MetricsHistory>(params, [this](protocol::Outcome<protocol::MetricsHistoryResult> result) {
        if (!result) {
            m_page->setFeedProblem(result.error().is(protocol::ErrorCode::MethodNotFound)
                                       ? tr("No traffic data: metrics are not available yet on this host's agent.")
                                       : app::plainError(tr("Loading the last hour"), result.error()));
            if (!result.error().is(protocol::ErrorCode::MethodNotFound))
                showRpcError(m_page, tr("Loading the last hour of traffic"), result.error());
            return;
        }
        m_page->setFeedProblem({});
        m_model->setHistory(result.value().samples);
        if (!result.value().samples.empty()) {
            noteProxy(result.value().samples.back());
            emit sampleArrived(result.value().samples.back());
        }
        subscribe();
    });
}

void TrafficController::subscribe() {
    m_subscribing = true;
    m_early.clear();
    call<method::MetricsSubscribe>({}, [this](protocol::Outcome<protocol::MetricsSubscribeResult> result) {
        m_subscribing = false;
        const auto early = std::exchange(m_early, {});
        if (!result) {
            m_page->setFeedProblem(tr("Not live: %1").arg(QString::fromStdString(result.error().message)));
            return;
        }
        m_subscription = result.value().subscription;
        for (const auto& s : early) {
            if (m_model->append(s)) emit sampleArrived(s);
        }
    });
}

void TrafficController::noteProxy(const protocol::MetricsSample& sample) {
    // Samples keep coming while the proxy is down; the flat lines must not read as "no traffic".
    m_proxyRunning = sample.proxy_running;
    if (m_proxyRunning && m_proxyProblem.isEmpty()) {
        m_page->setFeedProblem({});
    } else {
        m_page->setFeedProblem(!m_proxyProblem.isEmpty()
                                   ? m_proxyProblem
                                   : tr("Live, but the proxy is not running: there is no traffic to count. See Overview."));
    }
}

void TrafficController::setProxyProblem(const QString& text) {
    m_proxyProblem = text;
    if (isConnected()) {
        protocol::MetricsSample last;
        last.proxy_running = m_proxyRunning;
        noteProxy(last);
    }
}

void TrafficController::disconnected() {
    m_subscription = 0;
    m_subscribing = false;
    m_early.clear();
    m_page->setFeedProblem(tr("Not connected: showing what was received before."));
}

void TrafficController::startTestTraffic() {
    // The proxy's first plain-HTTP listener of the applied config; the demo's is 8080.
    app::TestTraffic::Options options;
    QString address;
    for (const auto& l : m_config->applied().value(QStringLiteral("listeners")).toArray()) {
        const QJsonObject listener = l.toObject();
        if (!listener.contains(QStringLiteral("tls"))) {
            address = listener.value(QStringLiteral("address")).toString();
            break;
        }
    }
    const int colon = int(address.lastIndexOf(QLatin1Char(':')));
    const int port = colon > 0 ? address.mid(colon + 1).toInt() : 0;
    if (port <= 0 || port > 65535) {
        m_page->showError(tr("There is no HTTP listener to send test traffic to."),
                          tr("Apply a configuration with a listener without TLS (the demo's listens on 8080)."));
        return;
    }
    QString host = address.left(colon);
    if (host == QLatin1String("0.0.0.0") || host == QLatin1String("[::]") || host.isEmpty()) host = QStringLiteral("127.0.0.1");
    options.host = host.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    options.port = quint16(port);
    if (m_traffic->start(options)) {
        m_page->banner()->hide();
        m_page->setTestTrafficRunning(true, tr("Test traffic: starting…"));
    }
}

}  // namespace fulcrum::ui
