#pragma once
// Every host the panel shows: "This computer" and the inventory's SSH hosts, each with its
// HostSession and HostController, in the main window's sidebar. Adds hosts through the
// wizard (AddHostWizard + AddHostFlow) and removes them (from Fulcrum only; the server and
// what runs on it are left alone). Also answers "which other connected hosts have workers?"
// for the pool editor.

#include "app/inventory/inventory.h"
#include "ui/dialogs/AddHostWizard.h"
#include "ui/host/PeerWorkers.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <memory>

namespace fulcrum::app {
class HostSession;
class PresetPasswordPrompter;
}  // namespace fulcrum::app

namespace fulcrum::ui {

class AddHostFlow;
class HostController;
class MainWindow;

class HostsController : public QObject {
    Q_OBJECT
public:
    // Loads the inventory at `inventoryPath` (empty: the user's own) and connects to its hosts.
    // "This computer" is opened by the caller (local()->session()->open()), after choosing
    // whether it runs the demo.
    HostsController(MainWindow* window, const QString& inventoryPath = {}, QObject* parent = nullptr);
    ~HostsController() override;

    HostController* local() const { return m_local; }
    HostController* host(const QString& id) const { return m_controllers.value(id); }
    const app::Inventory& inventory() const { return m_inventory; }

    // Opens the add-host wizard (non-modal); the same one while it is open.
    AddHostWizard* openAddHostWizard();
    AddHostWizard* wizard() const { return m_wizard; }
    // Removes a remote host after asking (confirm=false: without asking, for tests).
    void removeHost(const QString& id, bool confirm = true);

    // Worker groups of every connected host other than `exceptHostId`.
    QList<PeerWorkers> peerWorkers(const QString& exceptHostId) const;

signals:
    void hostAdded(const QString& id);

private:
    HostController* attach(const app::HostEntry& entry, std::unique_ptr<app::HostSession> session);
    // Opens the session once the keychain answered (core's RememberedPassword, as fulcrum-ctl).
    void openRemembered(const app::HostEntry& entry, app::HostSession* session,
                        const std::shared_ptr<app::PresetPasswordPrompter>& prompter);
    // After each login of a host that remembers: what the person typed goes to the keychain.
    void rememberTypedPasswords(const app::HostEntry& entry, app::HostSession* session,
                                const std::shared_ptr<app::PresetPasswordPrompter>& prompter);
    // What the keychain said (empty: nothing to say), on the host's page.
    void showKeychainNotice(const QString& id, const QString& notice);

    QPointer<MainWindow> m_window;
    app::Inventory m_inventory;
    HostController* m_local = nullptr;
    QHash<QString, HostController*> m_controllers;
    QHash<QString, app::HostSession*> m_sessions;
    QHash<QString, QString> m_addresses;  // host id → the address this computer reaches it at
    QPointer<AddHostWizard> m_wizard;
    AddHostFlow* m_flow = nullptr;
};

}  // namespace fulcrum::ui
