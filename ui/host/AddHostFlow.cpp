#include "ui/host/AddHostFlow.h"

#include "app/deploy/agent_deployer.h"
#include "app/inventory/inventory.h"
#include "app/rpc/host_session.h"
#include "app/ssh/destination.h"
#include "app/ssh/preset_password_prompter.h"
#include "ui/dialogs/HostKeyDialog.h"
#include "ui/dialogs/LoginPrompter.h"

#include <QDir>
#include <QFileInfo>

namespace fulcrum::ui {
namespace {

QString sshDir() { return QDir::homePath() + QStringLiteral("/.ssh"); }

app::SshConfig loadSshConfig() { return app::SshConfig::load(sshDir() + QStringLiteral("/config"), sshDir()); }

app::AuthMethod authMethod(AddHostWizard::Auth auth) {
    switch (auth) {
    case AddHostWizard::Auth::Agent: return app::AuthMethod::Agent;
    case AddHostWizard::Auth::KeyFile: return app::AuthMethod::KeyFile;
    case AddHostWizard::Auth::Password: return app::AuthMethod::Password;
    case AddHostWizard::Auth::KeyboardInteractive: return app::AuthMethod::KeyboardInteractive;
    }
    return app::AuthMethod::Auto;
}

}  // namespace

AddHostFlow::AddHostFlow(app::Inventory* inventory, QWidget* dialogParent, QObject* parent)
    : QObject(parent), m_inventory(inventory), m_dialogParent(dialogParent) {}

AddHostFlow::~AddHostFlow() { cancel(); }

QStringList AddHostFlow::sshConfigAliases() {
    QStringList aliases;
    for (const auto& host : loadSshConfig().importableHosts(QDir::homePath())) aliases << host.alias;
    return aliases;
}

QString AddHostFlow::describeDestination(const QString& text) {
    const auto parsed = app::parseDestination(text);
    const auto* destination = std::get_if<app::Destination>(&parsed);
    if (!destination) return {};
    const app::SshConfig config = loadSshConfig();
    const app::SshTarget target = app::resolveTarget(*destination, config, {}, QDir::homePath());
    const bool fromConfig = config.resolve(destination->host, QDir::homePath()).hostName.has_value();
    return tr("Connects to %1, port %2, as %3%4")
        .arg(target.hostName)
        .arg(target.port)
        .arg(target.effectiveUser(), fromConfig ? tr(" — from ~/.ssh/config") : QString());
}

void AddHostFlow::start(const AddHostWizard::Spec& spec, const QString& password) {
    cancel();
    m_running = true;
    const auto destination = app::parseDestination(spec.destination);
    app::HostEntry entry;
    entry.name = spec.name;
    entry.address = spec.destination;
    entry.user = spec.user;
    entry.port = quint16(spec.port);  // 0: from ~/.ssh/config, else 22
    // "deploy@web1" and "ssh://web1:2222" as ssh takes them; the wizard's own fields win.
    if (const auto* d = std::get_if<app::Destination>(&destination)) {
        entry.address = d->host;
        if (entry.user.isEmpty()) entry.user = d->user;
        if (entry.port == 0 && d->port) entry.port = *d->port;
    }
    entry.auth = authMethod(spec.auth);
    if (spec.auth == AddHostWizard::Auth::KeyFile) entry.identityFile = spec.keyFile;
    entry.rememberPassword = spec.auth == AddHostWizard::Auth::Password && spec.rememberPassword;

    // The inventory's own rules (unique name, sane address) decide before anything connects.
    app::Inventory probe = *m_inventory;
    if (const QString problem = probe.add(entry); !problem.isEmpty()) {
        return fail(tr("%1 cannot be added: %2").arg(entry.name, problem),
                    tr("Go back to the first page and choose another name, or remove the host that has it."));
    }
    m_entry = *probe.find(entry.name);
    if (spec.auth == AddHostWizard::Auth::KeyFile && !QFileInfo(spec.keyFile).isFile()) {
        return fail(tr("There is no key file at %1.").arg(spec.keyFile),
                    tr("Go back and choose your private key (for example ~/.ssh/id_ed25519), not the .pub file."));
    }
    m_password = spec.auth == AddHostWizard::Auth::Password ? password : QString();

    const app::HostEndpoint endpoint = m_entry.endpoint(loadSshConfig(), QDir::homePath());
    // The wizard's password answers the login's password question; only a refused one asks.
    auto prompter = std::make_shared<app::PresetPasswordPrompter>(std::make_shared<LoginPrompter>(m_dialogParent), m_password);
    m_session = std::make_unique<app::HostSession>(endpoint, prompter);
    connect(m_session.get(), &app::HostSession::stateChanged, this, &AddHostFlow::onSessionState);
    emit progress(2, tr("Connecting to %1…").arg(endpoint.ssh.displayName()));
    m_session->open();
}

void AddHostFlow::onSessionState() {
    if (!m_running || !m_session || m_deployer) return;
    using State = app::HostSession::State;
    using Problem = app::HostSession::Problem;
    const QString name = m_entry.name;
    switch (m_session->state()) {
    case State::Connected:
        // An agent already runs there: deploying brings it to this panel's version (or
        // confirms it has it) without stopping anything it serves.
        emit progress(10, tr("Connected; checking the agent on %1").arg(name));
        deploy();
        return;
    case State::Connecting:
    case State::Deploying:
    case State::Rebooting:
        emit progress(5, m_session->statusText());
        return;
    case State::Unreachable:
        return fail(tr("Fulcrum could not reach %1.").arg(name) + QLatin1Char(' ') + m_session->statusText(),
                    tr("Check the address and the port, that the host is on and that its SSH server runs, then "
                       "try again."));
    case State::Disconnected:
        return;
    case State::Error: break;
    }
    switch (m_session->problem()) {
    case Problem::AgentMissing:
    case Problem::AgentIncompatible:
        emit progress(10, tr("Logged in to %1; installing the agent").arg(name));
        deploy();
        return;
    case Problem::HostKeyChanged: {
        const auto& error = m_session->lastSshError();
        if (error && error->hostKey) {
            const auto& key = *error->hostKey;
            HostKeyDialog::showChangedKey(m_dialogParent, m_session->endpoint().ssh.hostName, key.type, key.fingerprint,
                                          tr("line %1 of %2").arg(key.conflictingLine).arg(key.knownHostsPath));
        }
        return fail(tr("Fulcrum did not connect: %1 presented a different host key from the one you trusted before.")
                        .arg(name),
                    tr("If the host was reinstalled, check its new fingerprint, remove the old key with "
                       "ssh-keygen -R %1, then try again.")
                        .arg(m_session->endpoint().ssh.hostName));
    }
    case Problem::HostKeyUnknown:
        return fail(tr("You did not trust the host key of %1, so Fulcrum did not log in.").arg(name),
                    tr("Compare the fingerprint with what ssh-keygen -lf prints on the host, then try again."));
    case Problem::AuthFailed:
        return fail(m_session->statusText(),
                    tr("Go back to “How do you log in?” and choose another way, or check the user name."));
    case Problem::Local:
    case Problem::Network:
    case Problem::None:
        break;
    }
    fail(m_session->statusText(), tr("Fix what the message says, then try again."));
}

void AddHostFlow::deploy() {
    m_deployer = new app::AgentDeployer(m_session.get(), {}, this);
    connect(m_deployer, &app::AgentDeployer::progress, this,
            [this](int percent, const QString& step) { emit progress(10 + percent * 90 / 100, step); });
    connect(m_deployer, &app::AgentDeployer::finished, this, &AddHostFlow::onDeployed);
    m_deployer->start();
}

void AddHostFlow::onDeployed(bool ok, const QString& message) {
    m_deployer->deleteLater();
    m_deployer = nullptr;
    if (!ok) {
        return fail(tr("The agent could not be set up on %1.").arg(m_entry.name),
                    message + QLatin1Char(' ') + tr("Fix that on the host, then try again."));
    }
    // Only a host that works is added, so a failed attempt never leaves a half-made entry.
    if (const QString problem = m_inventory->add(m_entry); !problem.isEmpty()) {
        return fail(tr("%1 cannot be added: %2").arg(m_entry.name, problem), tr("Go back and choose another name."));
    }
    if (const QString problem = m_inventory->save(); !problem.isEmpty()) {
        m_inventory->remove(m_entry.id);
        return fail(tr("Fulcrum could not save its host list: %1").arg(problem),
                    tr("Check that %1 can be written, then try again.").arg(m_inventory->path()));
    }
    // Remembering is the caller's (takePasswordToRemember): this flow ends with the wizard,
    // and the keychain's answer must still find somewhere to be shown.
    if (!m_entry.rememberPassword) m_password.clear();
    m_running = false;
    emit progress(100, tr("Done"));
    emit succeeded(message);
}

void AddHostFlow::fail(const QString& what, const QString& whatToDo) {
    cancel();
    emit failed(what, whatToDo);
}

void AddHostFlow::cancel() {
    m_running = false;
    m_password.clear();
    if (m_deployer) {
        m_deployer->disconnect(this);
        m_deployer->deleteLater();
        m_deployer = nullptr;
    }
    if (m_session) {
        // Possibly inside one of the session's own signals: it goes after the emit returns.
        m_session->disconnect(this);
        m_session->close();
        m_session.release()->deleteLater();
    }
}

std::unique_ptr<app::HostSession> AddHostFlow::takeSession() {
    if (m_session) m_session->disconnect(this);
    return std::move(m_session);
}

}  // namespace fulcrum::ui
