#pragma once
// The add-host wizard's work, on the app core: checks the entry against the inventory,
// connects over SSH (host key and login questions go to a LoginPrompter), deploys the agent
// when it is missing, old or incompatible, and only then adds the host to the inventory and
// saves it. Nothing is written for a host that never connected. Progress and failures are
// reported in plain language for the wizard's deploy page.

#include "app/inventory/host_entry.h"
#include "ui/dialogs/AddHostWizard.h"

#include <QObject>
#include <QPointer>

#include <memory>
#include <utility>

namespace fulcrum::app {
class AgentDeployer;
class HostSession;
class Inventory;
}  // namespace fulcrum::app

namespace fulcrum::ui {

class AddHostFlow : public QObject {
    Q_OBJECT
public:
    // `inventory` must outlive the flow; `dialogParent` parents the login questions.
    AddHostFlow(app::Inventory* inventory, QWidget* dialogParent, QObject* parent = nullptr);
    ~AddHostFlow() override;

    // Starts (or restarts, after a failure) with what the wizard collected.
    void start(const AddHostWizard::Spec& spec, const QString& password);
    // Stops whatever runs; the host is not added.
    void cancel();
    bool isRunning() const { return m_running; }

    // After succeeded(): the saved entry and its connected session, which the caller now owns.
    const app::HostEntry& entry() const { return m_entry; }
    std::unique_ptr<app::HostSession> takeSession();
    // After succeeded(): the wizard's password when the host is to remember it, once.
    QString takePasswordToRemember() { return std::exchange(m_password, QString()); }

    // ~/.ssh/config's Host aliases without wildcards, for the wizard's completion.
    static QStringList sshConfigAliases();
    // Where a destination leads after ~/.ssh/config, in words for the wizard.
    static QString describeDestination(const QString& destination);

signals:
    void progress(int percent, const QString& step);
    void failed(const QString& what, const QString& whatToDo);
    void succeeded(const QString& summary);

private:
    void onSessionState();
    void deploy();
    void onDeployed(bool ok, const QString& message);
    void fail(const QString& what, const QString& whatToDo);

    app::Inventory* m_inventory;
    QPointer<QWidget> m_dialogParent;
    app::HostEntry m_entry;
    QString m_password;
    std::unique_ptr<app::HostSession> m_session;
    app::AgentDeployer* m_deployer = nullptr;
    bool m_running = false;
};

}  // namespace fulcrum::ui
