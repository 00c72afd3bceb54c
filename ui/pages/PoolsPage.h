#pragma once
// The pool editor: pick a pool, see its servers live (address, weight, state, health, active
// connections, req/s), change them in place, and apply the staged edits from the bar at the
// bottom. Balance algorithm and health-check settings sit above the table; History opens the
// applied versions with one-click rollback.

#include "app/models/staged_config.h"
#include "ui/pages/SectionPage.h"

class QAbstractItemModel;
class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QMenu;
class QSpinBox;
class QTableView;
class QToolButton;

namespace fulcrum::ui {

class MessageBanner;
class StagedChangesBar;

class PoolsPage : public SectionPage {
    Q_OBJECT
public:
    explicit PoolsPage(QWidget* parent = nullptr);

    QListView* poolList() const { return m_poolList; }
    QTableView* serversTable() const { return m_servers; }
    StagedChangesBar* stagedBar() const { return m_staged; }
    // The proxy does not run (why, in the Overview's words); empty hides the notice.
    void setProxyProblem(const QString& text, bool failing);
    QMenu* addServerMenu() const { return m_addMenu; }

    void setPoolsModel(QAbstractItemModel* model);
    void setServersModel(QAbstractItemModel* model, int weightColumn);
    // Health-check and balance settings of the selected pool, shown without emitting edits.
    using PoolSettings = app::PoolSettings;
    void showPoolSettings(const QString& poolName, const PoolSettings& settings);
    PoolSettings poolSettings() const;
    // The selected pool takes its servers from this worker group ("follow_workers"); empty:
    // it does not, and the note above the table hides.
    void setFollowedGroup(const QString& group);
    QList<int> selectedServerRows() const;

signals:
    void poolSelected(const QString& name);
    void poolSettingsEdited();
    void addServerRequested(const QString& address, int weight);
    void removeServersRequested(const QList<int>& rows);
    void serverStateRequested(const QList<int>& rows, const QString& state);
    void historyRequested();
    // "Workers from another host…": pick instances of other connected hosts as servers.
    void peerWorkersRequested();

private:
    void updateButtons();
    void askForServerAddress();

    bool m_loading = false;
    QListView* m_poolList;
    QLabel* m_poolTitle;
    QComboBox* m_algorithm;
    QLineEdit* m_healthPath;
    QSpinBox* m_interval;
    QSpinBox* m_timeout;
    QSpinBox* m_maxFails;
    QSpinBox* m_failTimeout;
    QToolButton* m_add;
    QMenu* m_addMenu;
    QToolButton* m_remove;
    QToolButton* m_drain;
    QToolButton* m_enable;
    QToolButton* m_disable;
    QToolButton* m_history;
    QWidget* m_followsRow = nullptr;
    QLabel* m_followsNote;
    QTableView* m_servers;
    StagedChangesBar* m_staged;
    MessageBanner* m_proxyBanner;
};

}  // namespace fulcrum::ui
