#include "ui/host/OverviewController.h"

#include "app/models/format.h"
#include "app/models/server_health.h"
#include "app/models/staged_config.h"
#include "app/models/worker_model.h"
#include "ui/Plural.h"
#include "ui/pages/OverviewPage.h"
#include "ui/widgets/MessageBanner.h"

#include <QJsonArray>

namespace fulcrum::ui {

namespace method = protocol::method;

OverviewController::OverviewController(app::HostSession* session, OverviewPage* page, app::WorkerModel* workers,
                                       app::StagedConfig* config, QObject* parent)
    : HostPart(session, parent), m_page(page), m_workers(workers), m_config(config) {
    connect(page, &OverviewPage::fixBootPersistenceRequested, this, &OverviewController::fixBootPersistence);
    connect(workers, &QAbstractItemModel::dataChanged, this, &OverviewController::updateHealth);
    connect(workers, &QAbstractItemModel::rowsInserted, this, &OverviewController::updateHealth);
    connect(workers, &QAbstractItemModel::rowsRemoved, this, &OverviewController::updateHealth);
    connect(workers, &QAbstractItemModel::modelReset, this, &OverviewController::updateHealth);
    connect(config, &app::StagedConfig::appliedChanged, this, &OverviewController::updateHealth);
}

void OverviewController::connected() {
    m_page->banner()->hide();
    if (const auto& agent = session()->agent()) {
        m_page->setAgent(QString::fromStdString(agent->agent_version),
                         QStringLiteral("%1.%2").arg(agent->protocol.major).arg(agent->protocol.minor),
                         QString::fromStdString(agent->started_by));
    }
    call<method::HostFactsGet>({}, [this](protocol::Outcome<protocol::HostFacts> result) {
        if (!result) return showRpcError(m_page, tr("Reading the host's facts"), result.error());
        const auto& f = result.value();
        const auto q = [](const std::string& s) { return QString::fromStdString(s); };
        m_page->setHostFact(QStringLiteral("hostname"), tr("Name"), q(f.hostname));
        m_page->setHostFact(QStringLiteral("os"), tr("System"), q(f.os_name));
        m_page->setHostFact(QStringLiteral("kernel"), tr("Kernel"), QStringLiteral("%1 · %2").arg(q(f.kernel), q(f.arch)));
        m_page->setHostFact(QStringLiteral("hardware"), tr("Hardware"),
                            plural(f.cores, "%1 core", "%1 cores") + QStringLiteral(" · ") +
                                app::formatBytes(double(f.memory_bytes)));
        m_page->setHostFact(QStringLiteral("uptime"), tr("Up for"), app::formatDuration(double(f.uptime_s)));
        m_page->setHostFact(QStringLiteral("user"), tr("Agent runs as"),
                            f.user == "root" ? tr("root — not recommended") : q(f.user));
    });
    loadBootStatus();
    updateHealth();
}

void OverviewController::loadBootStatus() {
    call<method::BootStatusGet>({}, [this](protocol::Outcome<protocol::BootStatus> result) {
        if (!result) {
            m_page->setBootPersistenceUnavailable(
                result.error().is(protocol::ErrorCode::MethodNotFound)
                    ? tr("Not available yet on this agent: it cannot tell whether it starts after a reboot.")
                    : app::plainError(tr("Checking boot persistence"), result.error()));
            return;
        }
        showBootStatus(result.value());
    });
}

void OverviewController::showBootStatus(const protocol::BootStatus& s) {
    // The summary usually says the problem already, and the card's button is the fix: each
    // is shown once, not three times.
    const QString summary = QString::fromStdString(s.summary);
    QStringList lines;
    if (!summary.isEmpty()) lines << summary;
    for (const auto& p : s.problems) {
        const QString problem = QString::fromStdString(p);
        if (!summary.contains(problem, Qt::CaseInsensitive)) lines << QStringLiteral("• ") + problem;
    }
    m_page->setBootPersistence(s.will_start_on_boot, lines.join(QLatin1Char('\n')), QString::fromStdString(s.fix));
}

void OverviewController::fixBootPersistence() {
    m_page->setBootPersistenceBusy(true);
    call<method::BootInstall>({}, [this](protocol::Outcome<protocol::BootStatus> result) {
        m_page->setBootPersistenceBusy(false);
        if (!result) {
            showRpcError(m_page, tr("Installing the boot hook"), result.error());
            loadBootStatus();
            return;
        }
        showBootStatus(result.value());
        if (result.value().will_start_on_boot) m_page->showInfo(tr("The agent now starts after every reboot."));
    });
}

void OverviewController::setWorkersAvailable(bool available) {
    m_workersAvailable = available;
    updateHealth();
}

void OverviewController::setLiveSample(const protocol::MetricsSample& sample) {
    const auto [up, total] = app::countServerHealth(sample.pools);
    const bool changed = !m_haveSample || up != m_serversUp || total != m_serversTotal ||
                         m_proxyRunningInSample != sample.proxy_running;
    m_haveSample = true;
    m_proxyRunningInSample = sample.proxy_running;
    m_serversUp = up;
    m_serversTotal = total;
    if (changed) updateHealth();
}

void OverviewController::setProxy(const std::optional<protocol::ProxyStatus>& status,
                                  const std::optional<ProxyProblem>& problem) {
    m_proxy = status;
    m_proxyProblem = problem;
    if (problem) {
        m_page->setProxyProblem(problem->title, problem->details, problem->failing);
    } else {
        m_page->setProxyProblem({}, {}, false);
    }
    updateHealth();
}

void OverviewController::setProxyStarting(bool starting) { m_page->setProxyStarting(starting); }

void OverviewController::setCertificatesExpiringSoon(int count) {
    m_certificatesExpiring = count;
    updateHealth();
}

void OverviewController::updateHealth() {
    OverviewPage::Health h;
    h.workersAvailable = m_workersAvailable;
    for (const auto& name : m_workers->groupNames()) {
        const auto* g = m_workers->group(name);
        h.workersTotal += g->desired_count;
        for (const auto& w : g->instances) {
            if (w.state == protocol::InstanceState::running) ++h.workersRunning;
        }
    }
    // Server health comes from the proxy's samples: without a running proxy it is unknown.
    h.serversAvailable = m_haveSample && m_proxyRunningInSample;
    if (m_haveSample && !m_proxyRunningInSample) h.serversUnknown = tr("unknown — the proxy is not running");
    h.serversHealthy = m_serversUp;
    h.serversTotal = m_serversTotal;
    h.listenersTotal = int(m_config->applied().value(QStringLiteral("listeners")).toArray().size());
    h.proxyAvailable = m_proxy.has_value();
    h.proxyRunning = m_proxy && m_proxy->running;
    if (m_proxy) h.proxyText = proxyStateText(*m_proxy, h.listenersTotal);
    h.proxyFailing = m_proxyProblem && m_proxyProblem->failing;
    h.certificatesExpiringSoon = m_certificatesExpiring;
    m_page->setHealth(h);
}

}  // namespace fulcrum::ui
