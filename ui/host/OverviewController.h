#pragma once
// Overview: host facts (host.facts), the agent (agent.hello), boot persistence (boot.status,
// Fix → boot.install) and a health summary computed from the other sections' live models.

#include "ui/host/HostPart.h"
#include "ui/host/ProxyProblem.h"

#include <optional>

namespace fulcrum::app {
class StagedConfig;
class WorkerModel;
}  // namespace fulcrum::app

namespace fulcrum::ui {

class OverviewPage;

class OverviewController : public HostPart {
    Q_OBJECT
public:
    OverviewController(app::HostSession* session, OverviewPage* page, app::WorkerModel* workers,
                       app::StagedConfig* config, QObject* parent = nullptr);

    void connected() override;
    void setWorkersAvailable(bool available);
    void setLiveSample(const protocol::MetricsSample& sample);
    // The proxy's state and, when it should run and does not, what is wrong (ProxyWatch).
    void setProxy(const std::optional<protocol::ProxyStatus>& status, const std::optional<ProxyProblem>& problem);
    void setProxyStarting(bool starting);
    void setCertificatesExpiringSoon(int count);

private:
    void loadBootStatus();
    void showBootStatus(const protocol::BootStatus& status);
    void fixBootPersistence();
    void updateHealth();

    OverviewPage* m_page;
    app::WorkerModel* m_workers;
    app::StagedConfig* m_config;
    bool m_workersAvailable = false;
    bool m_haveSample = false;
    bool m_proxyRunningInSample = false;
    int m_serversUp = 0;
    int m_serversTotal = 0;
    std::optional<protocol::ProxyStatus> m_proxy;
    std::optional<ProxyProblem> m_proxyProblem;
    int m_certificatesExpiring = 0;
};

}  // namespace fulcrum::ui
