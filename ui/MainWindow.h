#pragma once
// The panel's window: hosts in the sidebar with their live state, one HostPage per host on
// the right, a status bar that says what the selected host's connection is doing, menus
// with keyboard shortcuts. Geometry and the last host/section are remembered.

#include "ui/HostStatus.h"

#include <QHash>
#include <QMainWindow>
#include <memory>

class QLabel;
class QStandardItemModel;
class QActionGroup;

namespace Ui {
class MainWindow;
}

namespace fulcrum::ui {

class EmptyState;
class HostPage;
class MessageBanner;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Hosts appear in the sidebar in the order added; "This computer" is `local`.
    HostPage* addHost(const QString& id, const QString& name, const QString& subtitle, bool local);
    void removeHost(const QString& id);
    void setHostState(const QString& id, HostState state, const QString& detail = {});
    HostPage* hostPage(const QString& id) const;
    HostPage* currentHostPage() const;
    QString currentHostId() const;
    void selectHost(const QString& id);
    QStringList hostIds() const;

    // A banner above everything, e.g. "running as root".
    MessageBanner* windowBanner() const { return m_windowBanner; }
    void showRootWarning();

signals:
    void addHostRequested();
    void removeHostRequested(const QString& id);
    void currentHostChanged(const QString& id);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createMenus();
    void restoreState();
    void updateStatusBar();
    void updateActions();
    int rowOf(const QString& id) const;

    const std::unique_ptr<Ui::MainWindow> m_ui;
    QStandardItemModel* m_hosts;
    QHash<QString, HostPage*> m_pages;
    EmptyState* m_welcome;
    MessageBanner* m_windowBanner;
    QLabel* m_statusDot;
    QLabel* m_statusText;
    QLabel* m_statusHosts;
    QAction* m_removeHostAction = nullptr;
    QAction* m_connectAction = nullptr;
    QAction* m_stopDemoAction = nullptr;
    QList<QAction*> m_sectionActions;
};

}  // namespace fulcrum::ui
