#pragma once
// Pools: the pool list and server table on the host's StagedConfig; every edit is staged and
// the staged bar's Validate / Diff / Apply / Discard go to the host; History lists applied
// versions with rollback. Live health and traffic per server come from the metrics feed.

#include "ui/host/HostPart.h"
#include "ui/host/PeerWorkers.h"

#include <functional>

#include <QPointer>

#include <QDialog>

namespace fulcrum::app {
class ConfigHistoryModel;
class PoolListModel;
class PoolServerModel;
class StagedConfig;
struct ConfigProblem;
}  // namespace fulcrum::app

namespace fulcrum::ui {

class PoolsPage;
class SectionPage;
class StagedChangesBar;

class PoolsController : public HostPart {
    Q_OBJECT
public:
    PoolsController(app::HostSession* session, PoolsPage* page, app::StagedConfig* config, QObject* parent = nullptr);

    void connected() override;
    // A staged-changes bar (Pools, Static & HTTPS) working on this host's one staged config.
    void bindStagedBar(StagedChangesBar* bar, SectionPage* page);
    void disconnected() override;
    app::PoolServerModel* servers() const { return m_servers; }
    void setPeerWorkers(std::function<QList<PeerWorkers>()> peers) { m_peers = std::move(peers); }
    QDialog* peerWorkersDialog() const { return m_peerDialog; }
    app::ConfigHistoryModel* history() const { return m_history; }
    QDialog* historyDialog() const { return m_historyDialog; }
    QDialog* diffDialog() const { return m_diffDialog; }

private:
    void selectPool(const QString& name);
    void reselect();
    void updateBar();
    void showProblems(const QString& message, const QList<app::ConfigProblem>& problems);
    void showDiff();
    void showHistory();
    void showPeerWorkers();
    void loadHistory();
    QStringList addressesOf(const QList<int>& rows, bool* skippedFollowed) const;

    PoolsPage* m_page;
    QPointer<SectionPage> m_feedback;
    QList<StagedChangesBar*> m_bars;
    app::StagedConfig* m_config;
    app::PoolListModel* m_pools;
    app::PoolServerModel* m_servers;
    app::ConfigHistoryModel* m_history;
    QPointer<QDialog> m_historyDialog;
    QPointer<QDialog> m_diffDialog;
    QPointer<QDialog> m_peerDialog;
    std::function<QList<PeerWorkers>()> m_peers;
    QString m_currentPool;
};

}  // namespace fulcrum::ui
