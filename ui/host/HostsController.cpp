#include "ui/host/HostsController.h"

#include "app/inventory/remembered_password.h"
#include "app/inventory/secret_store.h"
#include "app/models/worker_model.h"
#include "app/rpc/host_session.h"
#include "app/ssh/preset_password_prompter.h"
#include "ui/HostPage.h"
#include "ui/MainWindow.h"
#include "ui/dialogs/AddHostWizard.h"
#include "ui/dialogs/LoginPrompter.h"
#include "ui/host/AddHostFlow.h"
#include "ui/host/HostController.h"
#include "ui/host/RebootTargets.h"
#include "ui/host/WorkersController.h"
#include "ui/widgets/MessageBanner.h"

#include <QCoreApplication>
#include <QDir>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSysInfo>

#include <algorithm>

namespace fulcrum::ui {
namespace {

app::SshConfig userSshConfig() {
    const QString dir = QDir::homePath() + QStringLiteral("/.ssh");
    return app::SshConfig::load(dir + QStringLiteral("/config"), dir);
}

// A worker command that names a loopback address listens where only its own host can reach it.
bool bindsLoopback(const std::string& command) {
    static const QRegularExpression loopback(QStringLiteral(R"((^|[^0-9.])(127\.0\.0\.1|localhost|\[?::1\]?)([^0-9]|$))"));
    return loopback.match(QString::fromStdString(command)).hasMatch();
}

}  // namespace

HostsController::HostsController(MainWindow* window, const QString& inventoryPath, QObject* parent)
    : QObject(parent), m_window(window) {
    const QString path = inventoryPath.isEmpty() ? app::Inventory::defaultPath() : inventoryPath;
    auto loaded = app::Inventory::load(path);
    if (auto* error = std::get_if<QString>(&loaded)) {
        // Nothing is overwritten: the file stays as it is until the user fixes or moves it.
        window->windowBanner()->showMessage(MessageBanner::Level::Error, tr("Your host list could not be read."),
                                            tr("%1 Until it is fixed or moved away, only This computer is shown and "
                                               "new hosts cannot be saved.")
                                                .arg(*error));
        m_inventory = app::Inventory();
    } else {
        m_inventory = std::get<app::Inventory>(std::move(loaded));
    }

    // "This computer" is always there and connects at once: its agent is a local child process.
    window->addHost(QStringLiteral("local"), QCoreApplication::translate("main", "This computer"),
                                 QCoreApplication::translate("main", "%1 · managed directly, no SSH")
                                     .arg(QSysInfo::machineHostName()),
                                 true);
    app::HostEntry local = app::Inventory::thisComputer();
    m_local = attach(local, std::make_unique<app::HostSession>(app::HostEndpoint::thisComputer()));

    const app::SshConfig config = userSshConfig();
    for (const auto& entry : m_inventory.hosts()) {
        if (entry.local) continue;
        // The person is asked (LoginPrompter) only what a remembered password cannot answer.
        auto prompter = std::make_shared<app::PresetPasswordPrompter>(std::make_shared<LoginPrompter>(window));
        auto session = std::make_unique<app::HostSession>(entry.endpoint(config, QDir::homePath()), prompter);
        auto* raw = session.get();
        attach(entry, std::move(session));
        openRemembered(entry, raw, prompter);
    }

    connect(window, &MainWindow::addHostRequested, this, [this] { openAddHostWizard(); });
    connect(window, &MainWindow::removeHostRequested, this, [this](const QString& id) { removeHost(id); });
}

HostsController::~HostsController() {
    if (m_wizard) m_wizard->close();
    delete m_flow;
    // Controllers first: they hold plain pointers to their sessions.
    qDeleteAll(m_controllers);
    m_controllers.clear();
    qDeleteAll(m_sessions);
    m_sessions.clear();
}

HostController* HostsController::attach(const app::HostEntry& entry, std::unique_ptr<app::HostSession> session) {
    HostPage* page = m_window->hostPage(entry.id);
    if (!page) page = m_window->addHost(entry.id, entry.name, entry.subtitle(), entry.local);
    auto* raw = session.release();
    auto* controller = new HostController(raw, page, m_window);
    m_sessions.insert(entry.id, raw);
    m_controllers.insert(entry.id, controller);
    // How another host's proxy reaches this one's workers: by the name this computer uses.
    m_addresses.insert(entry.id, entry.local ? QSysInfo::machineHostName() : raw->endpoint().ssh.hostName);
    controller->setPeerWorkers([this, id = entry.id] { return peerWorkers(id); });
    // A host from the wizard arrives connected: its sections load now, not at the next reconnect.
    controller->reload();
    return controller;
}

void HostsController::openRemembered(const app::HostEntry& entry, app::HostSession* session,
                                     const std::shared_ptr<app::PresetPasswordPrompter>& prompter) {
    rememberTypedPasswords(entry, session, prompter);
    // The keychain answers later. One that cannot be read never stops the login: the password
    // is asked as usual, and the host's page says why.
    QPointer<app::HostSession> guard(session);
    app::RememberedPassword::load(entry, prompter, this, [this, guard, id = entry.id](const QString& notice) {
        showKeychainNotice(id, notice);
        if (guard) guard->open();
    });
}

void HostsController::rememberTypedPasswords(const app::HostEntry& entry, app::HostSession* session,
                                             const std::shared_ptr<app::PresetPasswordPrompter>& prompter) {
    if (!entry.rememberPassword) return;
    // Logged in (also when the agent is missing or too old: the password was right), so what
    // the person typed for this login is kept, if they typed anything.
    connect(session, &app::HostSession::stateChanged, this, [this, entry, session, prompter] {
        using Problem = app::HostSession::Problem;
        const bool loggedIn = session->state() == app::HostSession::State::Connected ||
                              session->problem() == Problem::AgentMissing || session->problem() == Problem::AgentIncompatible;
        if (!loggedIn) return;
        app::RememberedPassword::storeTyped(entry, *prompter, this,
                                            [this, id = entry.id](const QString& notice) { showKeychainNotice(id, notice); });
    });
}

void HostsController::showKeychainNotice(const QString& id, const QString& notice) {
    HostPage* page = m_window ? m_window->hostPage(id) : nullptr;
    if (notice.isEmpty() || !page) return;
    page->notice()->showMessage(MessageBanner::Level::Warning, tr("The system keychain could not be used."), notice);
}

AddHostWizard* HostsController::openAddHostWizard() {
    if (m_wizard) {
        m_wizard->raise();
        m_wizard->activateWindow();
        return m_wizard;
    }
    auto* wizard = new AddHostWizard(AddHostFlow::sshConfigAliases(), m_window);
    wizard->setDestinationDescriber(&AddHostFlow::describeDestination);
    wizard->setAttribute(Qt::WA_DeleteOnClose);
    m_wizard = wizard;
    delete m_flow;
    m_flow = new AddHostFlow(&m_inventory, wizard);
    auto* flow = m_flow;
    connect(wizard, &AddHostWizard::connectAndDeployRequested, flow,
            [flow, wizard](const AddHostWizard::Spec& spec) { flow->start(spec, wizard->password()); });
    connect(wizard, &AddHostWizard::cancelRequested, flow, &AddHostFlow::cancel);
    connect(flow, &AddHostFlow::progress, wizard, &AddHostWizard::setProgress);
    connect(flow, &AddHostFlow::failed, wizard, &AddHostWizard::setFailed);
    connect(flow, &AddHostFlow::succeeded, this, [this, flow, wizard](const QString& summary) {
        const app::HostEntry entry = flow->entry();
        auto session = flow->takeSession();
        auto* raw = session.get();
        attach(entry, std::move(session));
        if (auto prompter = std::dynamic_pointer_cast<app::PresetPasswordPrompter>(raw->prompter()))
            rememberTypedPasswords(entry, raw, prompter);
        if (const QString password = flow->takePasswordToRemember(); !password.isEmpty()) {
            app::SecretStore::storePassword(entry.id, password, this, [this, entry](const QString& error) {
                if (error.isEmpty()) return;
                showKeychainNotice(entry.id, tr("The password of %1 was not remembered, so it will be asked at the next "
                                                "start. %2.")
                                                 .arg(entry.name, error));
            });
        }
        m_window->selectHost(entry.id);
        wizard->setSucceeded(summary);
        emit hostAdded(entry.id);
    });
    wizard->show();
    return wizard;
}

void HostsController::removeHost(const QString& id, bool confirm) {
    const app::HostEntry* entry = m_inventory.find(id);
    if (!entry || entry->local) return;
    const QString name = entry->name;
    if (confirm) {
        QMessageBox box(QMessageBox::Question, tr("Remove %1 from Fulcrum?").arg(name),
                        tr("<b>Remove %1 from Fulcrum?</b>").arg(name.toHtmlEscaped()), QMessageBox::Cancel, m_window);
        box.setObjectName(QStringLiteral("removeHostBox"));
        box.setInformativeText(tr("Only this panel forgets it. The server, its agent, workers and proxy keep running; "
                                  "add it again any time."));
        auto* remove = box.addButton(tr("Remove"), QMessageBox::DestructiveRole);
        box.setDefaultButton(QMessageBox::Cancel);
        box.exec();
        if (box.clickedButton() != remove) return;
    }
    app::Inventory changed = m_inventory;
    changed.remove(id);
    if (const QString problem = changed.save(); !problem.isEmpty()) {
        m_window->windowBanner()->showMessage(MessageBanner::Level::Error, tr("%1 was not removed.").arg(name),
                                              tr("The host list could not be saved: %1").arg(problem));
        return;
    }
    // A failure to forget is said on the window: the host's own page goes away.
    if (entry->rememberPassword) {
        app::RememberedPassword::forget(*entry, this, [this](const QString& notice) {
            if (!notice.isEmpty() && m_window)
                m_window->windowBanner()->showMessage(MessageBanner::Level::Warning, tr("The system keychain could not be used."),
                                                      notice);
        });
    }
    m_inventory = changed;
    delete m_controllers.take(id);
    if (auto* session = m_sessions.take(id)) {
        session->close();
        session->deleteLater();
    }
    m_addresses.remove(id);
    RebootTargets::of(m_window)->remove(id);
    m_window->removeHost(id);
}

QList<PeerWorkers> HostsController::peerWorkers(const QString& exceptHostId) const {
    QList<PeerWorkers> peers;
    for (auto it = m_controllers.cbegin(); it != m_controllers.cend(); ++it) {
        if (it.key() == exceptHostId) continue;
        const app::HostSession* session = m_sessions.value(it.key());
        if (!session || session->state() != app::HostSession::State::Connected) continue;
        PeerWorkers peer;
        peer.hostId = it.key();
        const app::HostEntry* entry = m_inventory.find(it.key());
        peer.hostName = it.key() == QLatin1String("local") || !entry ? tr("This computer") : entry->name;
        peer.address = m_addresses.value(it.key());
        const app::WorkerModel* model = it.value()->workers()->model();
        for (const QString& name : model->groupNames()) {
            const auto* group = model->group(name);
            PeerWorkerGroup g;
            g.name = name;
            for (const auto& instance : group->instances) {
                if (instance.port > 0) g.ports << instance.port;
            }
            g.loopbackOnly = bindsLoopback(group->command);
            if (!g.ports.isEmpty()) peer.groups << g;
        }
        if (!peer.groups.isEmpty()) peers << peer;
    }
    std::sort(peers.begin(), peers.end(), [](const PeerWorkers& a, const PeerWorkers& b) { return a.hostName < b.hostName; });
    return peers;
}

}  // namespace fulcrum::ui
