#pragma once
// Everything about one host: a header (name, address, live status, connect/deploy actions)
// and its sections as tabs — Overview, Pools, Workers, Traffic, Static & HTTPS, Reboot.

#include "ui/HostStatus.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QStackedWidget;

namespace fulcrum::ui {

class OverviewPage;
class PoolsPage;
class WorkersPage;
class TrafficPage;
class StaticHttpsPage;
class RebootPage;
class MessageBanner;
class SectionPage;
class StatusPill;
class SectionTabBar;

class HostPage : public QWidget {
    Q_OBJECT
public:
    enum Section { Overview, Pools, Workers, Traffic, StaticHttps, Reboot, SectionCount };

    HostPage(const QString& hostId, QWidget* parent = nullptr);

    QString hostId() const { return m_hostId; }
    void setTitle(const QString& name, const QString& subtitle);
    void setLocal(bool local);
    // "This computer" under --demo: the header offers "Stop the demo" while connected.
    void setDemo(bool demo);
    bool canStopDemo() const;
    void setStoppingDemo(bool stopping);
    void setState(HostState state, const QString& detail = {});
    HostState state() const { return m_state; }
    void setSection(int section);
    int section() const;

    OverviewPage* overview() const { return m_overview; }
    PoolsPage* pools() const { return m_pools; }
    WorkersPage* workers() const { return m_workers; }
    TrafficPage* traffic() const { return m_traffic; }
    StaticHttpsPage* staticHttps() const { return m_static; }
    RebootPage* reboot() const { return m_reboot; }
    SectionPage* page(int section) const;
    // About the host as a whole, above its sections (e.g. its remembered password could not be
    // read from the keychain); hidden until something is shown, closable.
    MessageBanner* notice() const { return m_notice; }

signals:
    void connectRequested();
    void disconnectRequested();
    void deployRequested();
    void stopDemoRequested();
    // What the Host menu offers for this host changed (e.g. "Stop the demo").
    void actionsChanged();
    void sectionChanged(int section);

private:
    QString m_hostId;
    HostState m_state = HostState::Disconnected;
    QLabel* m_title;
    QLabel* m_subtitle;
    StatusPill* m_pill;
    QPushButton* m_connect;
    QPushButton* m_deploy;
    QPushButton* m_stopDemo;
    bool m_demo = false;
    bool m_stoppingDemo = false;
    SectionTabBar* m_tabs;
    MessageBanner* m_notice;
    QStackedWidget* m_stack;
    OverviewPage* m_overview;
    PoolsPage* m_pools;
    WorkersPage* m_workers;
    TrafficPage* m_traffic;
    StaticHttpsPage* m_static;
    RebootPage* m_reboot;
};

}  // namespace fulcrum::ui
