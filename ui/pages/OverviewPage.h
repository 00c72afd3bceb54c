#pragma once
// A host at a glance: what it is (OS, kernel, arch, uptime), which agent runs there, whether
// the agent comes back by itself after a reboot (with a button that installs that), a
// health summary of workers, pools, listeners and certificates, and below them what a person
// opening the panel wants next: the last ten minutes of requests and the recent events.

#include "ui/CoalescedCall.h"
#include "ui/pages/SectionPage.h"

#include <QPointer>

class QLabel;
class QPushButton;

namespace fulcrum::app {
class HostEvents;
class MetricSeriesModel;
}  // namespace fulcrum::app

namespace fulcrum::ui {

class Card;
class ChartCard;
class EventList;
class FactList;
class MessageBanner;
class StatusPill;

class OverviewPage : public SectionPage {
    Q_OBJECT
public:
    // A part whose *Available is false is shown as "not available on this agent" rather
    // than as zero: a missing feature must never look like an empty host.
    struct Health {
        bool workersAvailable = true;
        int workersRunning = 0, workersTotal = 0;
        bool serversAvailable = true;
        QString serversUnknown;  // why server health is unknown, if not "not available"
        int serversHealthy = 0, serversTotal = 0;
        bool proxyAvailable = true;
        bool proxyRunning = false;
        QString proxyText;  // the proxy's state in words, when known (else from proxyRunning)
        bool proxyFailing = false;  // the agent gave up restarting it
        int listenersTotal = 0;
        int certificatesExpiringSoon = 0;
    };

    explicit OverviewPage(QWidget* parent = nullptr);

    void setHostFact(const QString& key, const QString& label, const QString& value);
    void setAgent(const QString& version, const QString& protocol, const QString& startedBy);
    // `installed`: the agent starts at boot; `detail` says how (cron @reboot, systemd --user).
    // `fix` says what the Fix button does (its tooltip).
    void setBootPersistence(bool installed, const QString& detail, const QString& fix = {});
    void setBootPersistenceBusy(bool busy);
    // The agent cannot say (older agent, or the call failed): `text` says which.
    void setBootPersistenceUnavailable(const QString& text);
    void setHealth(const Health& health);
    // The proxy should run and does not: `title` and `details` (what it said, what to do) on
    // a banner of its own above the cards; `canStart` adds "Start the proxy again". An empty
    // title hides it.
    void setProxyProblem(const QString& title, const QString& details, bool canStart);
    void setProxyStarting(bool starting);
    // The Traffic section's samples, drawn here over the last ten minutes.
    void setSeriesModel(app::MetricSeriesModel* model);
    void setEvents(app::HostEvents* events);
    ChartCard* requestsChart() const { return m_requests; }

    static constexpr int kRequestsRangeSeconds = 600;

signals:
    void fixBootPersistenceRequested();
    void startProxyRequested();

private:
    FactList* m_hostFacts;
    FactList* m_agentFacts;
    StatusPill* m_bootPill;
    QLabel* m_bootText;
    QPushButton* m_fixBoot;
    FactList* m_health;
    StatusPill* m_healthPill;
    MessageBanner* m_proxyBanner;
    QPointer<QPushButton> m_startProxy;  // the banner's, while it shows
    ChartCard* m_requests;
    EventList* m_events;
    QPointer<app::MetricSeriesModel> m_model;
    CoalescedCall m_redraw{this, [this] { redrawRequests(); }};

    void redrawRequests();
};

}  // namespace fulcrum::ui
